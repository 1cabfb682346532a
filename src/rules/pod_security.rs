//! Pod Security mode (KH120): with `--pss baseline|restricted`, every control of that level
//! a workload breaks, at the policy version of `--kube-version`, as the admission controller
//! judges it. The rules that implement one of those controls stand aside in this mode, so a
//! problem is reported once.

use super::rule_meta;
use crate::check::{Rule, Sink};
use crate::k8s::pod_view::PodView;
use crate::k8s::pss;

rule_meta!(
    PodSecurity,
    POD_SECURITY,
    "KH120",
    "pod-security",
    Error,
    "A workload breaks the Pod Security Standards level chosen with --pss.",
    severity_note = "only with `--pss`"
);

/// KH120.
impl Rule for PodSecurity {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let Some(level) = out.settings.pss else {
            return;
        };
        let version = out.settings.kube_version;
        let consequence = if pod.workload.resource.kind == "Pod" {
            "Pod Security Admission rejects the pod"
        } else {
            "Pod Security Admission warns on this object and rejects the pods it creates"
        };
        for v in pss::evaluate(pod, level, version) {
            out.report(
                &POD_SECURITY,
                v.node,
                format!(
                    "{} of {} {}, which the Pod Security Standard \"{}\" forbids (control \"{}\", policy v{version}): {consequence}",
                    v.subject,
                    pod.describe(),
                    v.detail,
                    level.as_str(),
                    v.control.name,
                ),
            );
        }
    }
}
