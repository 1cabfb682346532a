#!/usr/bin/env python3
"""Generate a deterministic corpus of realistic Kubernetes manifests for keelhaul's benchmark.

    python3 bench/gen_corpus.py OUT_DIR [--files N] [--seed S]

The layout is a GitOps monorepo:

    cluster/crds/<plural>.<group>.yaml               ~10 large CRDs (200-500 KB, deep schemas)
    cluster/{rbac,namespaces,policies}/...            cluster-wide objects
    teams/<team>/namespaces/<ns>.yaml                 Namespaces with Pod Security labels
    teams/<team>/rbac/...                             Roles, ClusterRoles and their bindings
    teams/<team>/network-policies/<env>/...           default-deny, DNS, metadata-endpoint blocks
    teams/<team>/apps/<app>/base/...                  workloads, Services, ConfigMaps, Secrets, ...
    teams/<team>/apps/<app>/overlays/<env>/...        kustomization + patches
    teams/<team>/apps/<app>/rendered/<env>/...        `helm template` output with `# Source:`

Everything comes from seeded `random.Random` streams, so the same arguments give byte-identical
output. The team/app stream does not depend on --files, so a smaller corpus is (up to the number
of CRDs) a prefix of a larger one with the same seed. Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import os
import re
import random
import sys
from collections import Counter

# --------------------------------------------------------------------------------------------
# YAML emitter (block style, with the variations real repositories show)
# --------------------------------------------------------------------------------------------


class Anchor:
    """A value that is emitted with `&name` (YAML output only)."""

    __slots__ = ("name", "value")

    def __init__(self, name, value):
        self.name = name
        self.value = value


class Alias:
    """`*name` (YAML output only)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


_SPECIAL_WORDS = {
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
    ".inf", "-.inf", "+.inf", ".nan", "=", "<<",
}
# Starts like a number and contains only characters numbers, base-60 or dates are made of.
_NUMBER_LIKE = re.compile(r"^[-+]?(\.[0-9]|[0-9])[0-9a-fA-FxXoObB_:.eE+-]*$")
_DATE_LIKE = re.compile(r"^[0-9]{4}-[0-9]")
_FLOW_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./=-]*$")
_WRAP_WORD = re.compile(r"^[A-Za-z0-9(][A-Za-z0-9().,'/_-]*$")
_INDICATORS = set("?:,[]{}#&*!|>'\"%@`")


def needs_quote(s: str) -> bool:
    if not s:
        return True
    if s.lower() in _SPECIAL_WORDS:
        return True
    if _NUMBER_LIKE.match(s) or _DATE_LIKE.match(s):
        return True
    c0 = s[0]
    if c0 in _INDICATORS:
        return True
    if c0 == "-" and (len(s) == 1 or s[1] == " "):
        return True
    if s.startswith("---") or s.startswith("..."):
        return True
    if s[0] == " " or s[-1] == " " or s.endswith(":"):
        return True
    if ": " in s or " #" in s or "\t" in s or "\n" in s or "\r" in s:
        return True
    return False


def dq(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def sq(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


class Style:
    """Per-file formatting habits."""

    def __init__(self, rng: random.Random, comments: bool = True):
        self.indent = 4 if rng.random() < 0.05 else 2
        self.seq_indent = rng.random() < 0.55  # False: kubectl style `key:\n- item`
        self.flow_lists = rng.random() < 0.2  # short scalar lists as [a, b]
        self.flow_maps = rng.random() < 0.05
        self.quote_all = rng.random() < 0.1  # helm-chart habit: every string in "..."
        self.single_quotes = rng.random() < 0.3
        self.yaml11_bools = rng.random() < 0.02  # `privileged: yes`
        self.comment_rate = (rng.choice([0.0, 0.0, 0.01, 0.03, 0.06]) if comments else 0.0)
        self.trailing_rate = self.comment_rate / 2
        self.wrap_plain = rng.random() < 0.5  # long plain scalars folded over lines


COMMENTS = [
    "TODO: remove once the migration to workload identity is done",
    "managed by the platform team, do not edit by hand",
    "see https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    "FIXME(jdoe): bump limits after the Q3 load test",
    "keep in sync with values-prod.yaml",
    "required by the legacy log shipper",
    "NOTE: the app reads this at startup only",
    "tuned for Standard_D4s_v5 nodes",
    "temporary \u2014 see INC-4821",
    "sidecar injected manually until the mesh rollout",
    "security review SEC-1123: approved exception until 2025-06-30",
    "\u30dd\u30fc\u30c8\u756a\u53f7\u306f\u5909\u66f4\u3057\u306a\u3044\u3067\u304f\u3060\u3055\u3044",
    "\u00fcberpr\u00fcft am 2024-03-02 (m\u00fcller)",
    "renovate: datasource=docker depName=contoso/base",
    "yamllint disable-line rule:line-length",
    "checkov:skip=CKV_K8S_20: needs root to bind port 80",
    "kics-scan ignore-line",
    "nosemgrep",
]
COMMENTED_OUT = [
    ["- name: DEBUG", '  value: "true"'],
    ["replicas: 5"],
    ["hostNetwork: true"],
    ["resources:", "  limits:", "    memory: 2Gi"],
    ["nodeSelector:", "  agentpool: gpu"],
]


class Emitter:
    def __init__(self, st: Style, rng: random.Random):
        self.st = st
        self.rng = rng
        self.out: list[str] = []

    # scalars -------------------------------------------------------------------------------
    def scalar(self, v, flow=False) -> str:
        if v is True or v is False:
            if self.st.yaml11_bools and self.rng.random() < 0.5:
                return self.rng.choice(["yes", "on", "True"] if v else ["no", "off", "False"])
            return "true" if v else "false"
        if v is None:
            return "null"
        if isinstance(v, (int, float)):
            return repr(v) if isinstance(v, float) else str(v)
        s = str(v)
        if flow:
            if _FLOW_PLAIN.match(s) and not needs_quote(s) and not self.st.quote_all:
                return s
            return dq(s)
        if self.st.quote_all or needs_quote(s):
            if self.st.single_quotes and "\n" not in s and "\\" not in s and s.isprintable():
                return sq(s)
            return dq(s)
        return s

    def key(self, k) -> str:
        k = str(k)
        if k == "<<":
            return k
        if needs_quote(k) or k.startswith("-"):
            return dq(k)
        return k

    def comment_here(self, ind: int):
        r = self.rng.random()
        if r < self.st.comment_rate:
            if self.rng.random() < 0.2:
                for line in self.rng.choice(COMMENTED_OUT):
                    self.out.append(" " * ind + "# " + line)
            else:
                self.out.append(" " * ind + "# " + self.rng.choice(COMMENTS))

    def trailing(self) -> str:
        if self.st.trailing_rate and self.rng.random() < self.st.trailing_rate:
            return "  # " + self.rng.choice(COMMENTS)
        return ""

    # structure -----------------------------------------------------------------------------
    def flowable_list(self, v) -> bool:
        return (
            self.st.flow_lists
            and 0 < len(v) <= 6
            and all(isinstance(x, (str, int, bool)) and "\n" not in str(x) for x in v)
            and sum(len(str(x)) for x in v) < 70
        )

    def flowable_map(self, v) -> bool:
        return (
            self.st.flow_maps
            and 0 < len(v) <= 3
            and all(isinstance(x, (str, int, bool)) and "\n" not in str(x) for x in v.values())
        )

    def mapping(self, d: dict, ind: int, first_comment=True):
        for i, (k, v) in enumerate(d.items()):
            if i > 0 or first_comment:
                self.comment_here(ind)
            self.value(" " * ind + self.key(k) + ":", v, ind, in_map=True)

    def sequence(self, seq: list, ind: int):
        for item in seq:
            if isinstance(item, dict) and item:
                start = len(self.out)
                self.mapping(item, ind + 2, first_comment=False)
                first = self.out[start]
                self.out[start] = " " * ind + "- " + first[ind + 2:]
            elif isinstance(item, list) and item:
                self.out.append(" " * ind + "-")
                self.sequence(item, ind + 2)
            else:
                self.value(" " * ind + "-", item, ind, in_map=False)

    def value(self, prefix: str, v, ind: int, in_map: bool):
        st = self.st
        if isinstance(v, Alias):
            self.out.append(prefix + " *" + v.name)
            return
        if isinstance(v, Anchor):
            prefix = prefix + " &" + v.name
            v = v.value
        child = ind + st.indent if in_map else ind + 2
        if isinstance(v, dict):
            if not v:
                self.out.append(prefix + " {}")
            elif self.flowable_map(v):
                body = ", ".join(f"{self.key(k)}: {self.scalar(x, flow=True)}" for k, x in v.items())
                self.out.append(prefix + " {" + body + "}")
            else:
                self.out.append(prefix)
                self.mapping(v, child)
        elif isinstance(v, list):
            if not v:
                self.out.append(prefix + " []")
            elif self.flowable_list(v):
                self.out.append(prefix + " [" + ", ".join(self.scalar(x, flow=True) for x in v) + "]")
            else:
                self.out.append(prefix)
                self.sequence(v, (ind + st.indent if st.seq_indent else ind) if in_map else ind + 2)
        elif isinstance(v, str) and "\n" in v:
            self.block(prefix, v, child)
        elif isinstance(v, str) and len(v) > 100 and st.wrap_plain and not st.quote_all and not needs_quote(v):
            self.wrapped(prefix, v, child)
        else:
            self.out.append(prefix + " " + self.scalar(v) + self.trailing())

    def block(self, prefix: str, text: str, ind: int):
        if text.endswith("\n\n"):
            text = text.rstrip("\n") + "\n"
        chomp = "" if text.endswith("\n") else "-"
        lines = text.rstrip("\n").split("\n")
        indicator = str(self.st.indent) if lines[0].startswith(" ") else ""
        self.out.append(prefix + " |" + indicator + chomp)
        pad = " " * ind
        for line in lines:
            self.out.append(pad + line if line else "")

    def wrapped(self, prefix: str, text: str, ind: int):
        words = text.split(" ")
        if any(not w or not _WRAP_WORD.match(w) for w in words[1:]):
            self.out.append(prefix + " " + self.scalar(text))
            return
        line = prefix + " " + words[0]
        pad = " " * ind
        for w in words[1:]:
            if len(line) + 1 + len(w) > 100:
                self.out.append(line)
                line = pad + w
            else:
                line += " " + w
        self.out.append(line)


def emit_yaml_doc(doc, st: Style, rng: random.Random) -> str:
    em = Emitter(st, rng)
    em.mapping(doc, 0)
    return "\n".join(em.out) + "\n"


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

TEAM_NAMES = [
    "payments", "checkout", "search", "identity", "platform", "data", "ml", "observability",
    "growth", "billing", "catalog", "fulfilment", "messaging", "risk", "ledger", "notifications",
    "mobile-bff", "partner-api", "inventory", "pricing", "recommendations", "media", "auth",
    "gateway", "analytics", "support", "shipping", "loyalty", "reporting", "compliance",
    "fraud", "content", "maps", "returns", "tax",
]
APP_PREFIX = [
    "order", "cart", "user", "session", "price", "stock", "invoice", "email", "sms", "push",
    "feed", "rank", "index", "query", "token", "profile", "audit", "event", "report", "export",
    "import", "sync", "cache", "queue", "webhook", "quote", "geo", "asset", "consent", "refund",
]
APP_SUFFIX = [
    "api", "svc", "worker", "consumer", "gateway", "scheduler", "processor", "frontend",
    "backend", "store", "indexer", "exporter", "controller", "agent", "proxy",
]
ENVS = ["dev", "qa", "staging", "perf", "prod", "prod-eu", "prod-us"]
REGISTRIES = [
    "contosoprod.azurecr.io", "contosodev.azurecr.io", "ghcr.io/contoso", "docker.io/library",
    "mcr.microsoft.com", "quay.io/contoso", "registry.k8s.io", "europe-docker.pkg.dev/contoso/apps",
]
SIDECARS = [
    ("envoy", "envoyproxy/envoy:v1.29.1", 9901),
    ("fluent-bit", "fluent/fluent-bit:2.2.0", 2020),
    ("otel-collector", "otel/opentelemetry-collector-contrib:0.96.0", 4317),
    ("redis", "redis:7.2-alpine", 6379),
    ("nginx", "nginx:1.25.4", 80),
    ("istio-proxy", "docker.io/istio/proxyv2:1.20.3", 15090),
    ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.1", 9801),
    ("vault-agent", "hashicorp/vault:1.15.4", 8200),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0", 4180),
]
INIT_IMAGES = [
    ("wait-for-db", "busybox:1.36"), ("migrate", "migrate/migrate:v4.17.0"),
    ("init-perms", "alpine:3.19"), ("fetch-config", "curlimages/curl:8.6.0"),
    ("sysctl-tuning", "busybox:1.36.1"),
]
WORDS = (
    "the of and to a in is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her all she there would their we him been has when who "
    "will more no if out so said what up its about into than them can only other new some "
    "could time these two may then do first any my now such like our over man me even most "
    "made after also did many before must through back years where much your way well down "
    "should because each just those people how too little state good very make world still "
    "own see men work long get here between both life being under never day same another know "
    "while last might us great old year off come since against go came right used take three "
    "controller resource field value object specifies reference secret namespace selector "
    "container replicas status condition configuration endpoint policy certificate template "
    "default optional required defines indicates whether"
).split()
CAMEL = (
    "name namespace kind api version labels annotations selector template spec status replicas "
    "ready conditions reason message type last transition time observed generation endpoint "
    "host port path tls secret ref key value config map volume mount mode size limit request "
    "policy rule target source backoff retry timeout interval schedule suspend paused strategy "
    "rolling update max surge unavailable min available priority class node affinity weight "
    "toleration effect operator topology spread skew issuer duration renew before usages dns "
    "names ip addresses uri subject organization country locality private algorithm encoding "
    "rotation provider region bucket prefix storage account container queue topic partition "
    "offset consumer group metric query threshold window aggregation alert receiver route"
).split()


def guid(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.randrange(4)]}{h[17:20]}-{h[20:32]}"


def sentence(rng, lo=6, hi=25):
    w = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    w[0] = w[0].capitalize()
    return " ".join(w) + "."


def camel(rng, n=None):
    n = n or rng.choice([1, 1, 2, 2, 2, 3])
    parts = [rng.choice(CAMEL) for _ in range(n)]
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def pem(rng, label="CERTIFICATE", n=None):
    body = b64(rng.randbytes(n or rng.randint(700, 1400)))
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    r = rng.random() * total
    for v, w in pairs:
        r -= w
        if r < 0:
            return v
    return pairs[-1][0]


def sub(rng, items, lo, hi):
    return rng.sample(items, rng.randint(lo, min(hi, len(items))))


# --------------------------------------------------------------------------------------------
# Resource builders
# --------------------------------------------------------------------------------------------


class Ctx:
    def __init__(self, team, app, env, ns, managed_by="kustomize"):
        self.team = team
        self.app = app
        self.env = env
        self.ns = ns
        self.managed_by = managed_by

    def labels(self, component=None):
        d = {
            "app.kubernetes.io/name": self.app,
            "app.kubernetes.io/instance": f"{self.app}-{self.env}",
            "app.kubernetes.io/part-of": self.team,
            "app.kubernetes.io/managed-by": self.managed_by,
        }
        if component:
            d["app.kubernetes.io/component"] = component
        return d

    def selector(self, component=None):
        d = {"app.kubernetes.io/name": self.app, "app.kubernetes.io/instance": f"{self.app}-{self.env}"}
        if component:
            d["app.kubernetes.io/component"] = component
        return d


def meta(rng, ctx, name, namespaced=True, component=None, annotations=None):
    m = {"name": name}
    if namespaced and rng.random() < 0.85:
        m["namespace"] = ctx.ns
    m["labels"] = ctx.labels(component)
    if rng.random() < 0.2:
        m["labels"]["team"] = ctx.team
    if annotations or rng.random() < 0.25:
        a = dict(annotations or {})
        if rng.random() < 0.5:
            a["contoso.com/owner"] = f"{ctx.team}@contoso.com"
        if rng.random() < 0.3:
            a["contoso.com/description"] = sentence(rng)
        if rng.random() < 0.2:
            a["argocd.argoproj.io/sync-wave"] = str(rng.randint(-2, 5))
        if a:
            m["annotations"] = a
    return m


def image(rng, ctx, name=None):
    reg = rng.choice(REGISTRIES[:3] + REGISTRIES)
    repo = f"{reg}/{ctx.team}/{name or ctx.app}"
    r = rng.random()
    if r < 0.06:
        return repo
    if r < 0.12:
        return repo + ":latest"
    if r < 0.25:
        return repo + "@sha256:" + hashlib.sha256(rng.randbytes(8)).hexdigest()
    return f"{repo}:{rng.randint(0, 4)}.{rng.randint(0, 40)}.{rng.randint(0, 20)}"


def env_vars(rng, ctx, n):
    pool = [
        lambda: {"name": "LOG_LEVEL", "value": rng.choice(["info", "debug", "warn"])},
        lambda: {"name": "PORT", "value": str(rng.choice([8080, 8000, 3000, 9000]))},
        lambda: {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": f"{ctx.app}-db", "key": "url"}}},
        lambda: {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"{ctx.app}-db", "key": "password", "optional": False}}},
        lambda: {"name": "REDIS_HOST", "value": f"redis.{ctx.ns}.svc.cluster.local"},
        lambda: {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        lambda: {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
        lambda: {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        lambda: {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        lambda: {"name": "GOMAXPROCS", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1"}}},
        lambda: {"name": "JAVA_OPTS", "value": "-Xms256m -Xmx%dm -XX:+UseG1GC -XX:MaxGCPauseMillis=200" % rng.choice([512, 1024, 2048])},
        lambda: {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel-collector.observability:4317"},
        lambda: {"name": "FEATURE_FLAGS", "value": json.dumps({"newCheckout": rng.random() < 0.5, "betaSearch": False})},
        lambda: {"name": "AZURE_CLIENT_ID", "value": guid(rng)},
        lambda: {"name": "SPRING_PROFILES_ACTIVE", "value": f"kubernetes,{ctx.env}"},
        lambda: {"name": "TZ", "value": rng.choice(["UTC", "Europe/Berlin", "America/New_York"])},
        lambda: {"name": "NO_PROXY", "value": "localhost,127.0.0.1,.svc,.cluster.local,169.254.169.254"},
        lambda: {"name": "ENABLE_TRACING", "value": rng.choice(["true", "false"])},
        lambda: {"name": "MAX_RETRIES", "value": str(rng.randint(1, 9))},
        lambda: {"name": "CACHE_TTL", "value": rng.choice(["30s", "5m", "1h"])},
        lambda: {"name": "KAFKA_BROKERS", "value": "kafka-0.kafka:9092,kafka-1.kafka:9092,kafka-2.kafka:9092"},
        lambda: {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": f"{ctx.app}-secrets", "key": "api-key"}}},
        lambda: {"name": "APP_MODE", "valueFrom": {"configMapKeyRef": {"name": f"{ctx.app}-config", "key": "mode"}}},
        lambda: {"name": "VERSION", "value": f"{rng.randint(1, 3)}.{rng.randint(0, 9)}"},
    ]
    return [f() for f in rng.sample(pool, min(n, len(pool)))]


def probe(rng, port):
    kind = weighted(rng, [("http", 60), ("tcp", 20), ("exec", 15), ("grpc", 5)])
    if kind == "http":
        p = {"httpGet": {"path": rng.choice(["/healthz", "/ready", "/actuator/health/liveness", "/livez", "/"]), "port": port}}
        if rng.random() < 0.2:
            p["httpGet"]["scheme"] = "HTTP"
    elif kind == "tcp":
        p = {"tcpSocket": {"port": port}}
    elif kind == "exec":
        p = {"exec": {"command": rng.choice([["cat", "/tmp/healthy"], ["/bin/grpc_health_probe", "-addr=:9090"], ["sh", "-c", "pg_isready -U postgres"]])}}
    else:
        p = {"grpc": {"port": 9090}}
    for k, lo, hi in (("initialDelaySeconds", 0, 60), ("periodSeconds", 5, 30), ("timeoutSeconds", 1, 5), ("failureThreshold", 1, 10)):
        if rng.random() < 0.6:
            p[k] = rng.randint(lo, hi)
    return p


def resources(rng):
    cpu = rng.choice(["50m", "100m", "250m", "500m", "1", 1, "1500m", "2", "0.5"])
    mem = rng.choice(["64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4G"])
    r = {"requests": {"cpu": cpu, "memory": mem}}
    if rng.random() < 0.7:
        r["limits"] = {"memory": rng.choice(["256Mi", "512Mi", "1Gi", "2Gi", "8Gi"])}
        if rng.random() < 0.5:
            r["limits"]["cpu"] = rng.choice(["500m", "1", "2", "4"])
    if rng.random() < 0.08:
        r["requests"]["ephemeral-storage"] = "1Gi"
    return r


CAPS_BAD = ["NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE", "NET_RAW", "ALL", "SYS_MODULE", "DAC_READ_SEARCH", "BPF"]
CAPS_OK = ["NET_BIND_SERVICE", "CHOWN", "SETUID", "SETGID", "KILL"]


def container_sc(rng, profile):
    if profile == "none":
        return None if rng.random() < 0.85 else {}
    if profile == "hardened":
        sc = {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        }
        if rng.random() < 0.6:
            sc["runAsUser"] = rng.choice([1000, 10001, 65532, 65534])
            sc["runAsGroup"] = sc["runAsUser"]
        if rng.random() < 0.15:
            sc["capabilities"]["add"] = ["NET_BIND_SERVICE"]
        if rng.random() < 0.5:
            sc["seccompProfile"] = rng.choice([{"type": "RuntimeDefault"}, {"type": "Localhost", "localhostProfile": "profiles/audit.json"}])
        if rng.random() < 0.1:
            sc["appArmorProfile"] = {"type": "RuntimeDefault"}
        return sc
    if profile == "partial":
        sc = {}
        for k, v in (("allowPrivilegeEscalation", False), ("readOnlyRootFilesystem", rng.random() < 0.5),
                     ("runAsNonRoot", True), ("runAsUser", rng.choice([1000, 1001, 101]))):
            if rng.random() < 0.5:
                sc[k] = v
        if rng.random() < 0.3:
            sc["capabilities"] = {"drop": rng.choice([["ALL"], ["NET_RAW"], ["all"]])}
            if rng.random() < 0.3:
                sc["capabilities"]["add"] = sub(rng, CAPS_OK, 1, 2)
        return sc or {"runAsNonRoot": True}
    # insecure: a few of the classic mistakes
    sc = {}
    choices = [
        ("privileged", True), ("allowPrivilegeEscalation", True), ("runAsUser", 0),
        ("runAsNonRoot", False), ("readOnlyRootFilesystem", False),
        ("capabilities", {"add": sub(rng, CAPS_BAD, 1, 3)}),
        ("procMount", "Unmasked"), ("seccompProfile", {"type": "Unconfined"}),
        ("seLinuxOptions", rng.choice([{"type": "spc_t"}, {"user": "system_u", "role": "system_r", "type": "container_t", "level": "s0:c123,c456"}])),
        ("appArmorProfile", {"type": "Unconfined"}),
        ("runAsGroup", 0),
    ]
    for k, v in rng.sample(choices, rng.randint(1, 4)):
        sc[k] = v
    if rng.random() < 0.02:
        sc["windowsOptions"] = {"hostProcess": True, "runAsUserName": "NT AUTHORITY\\SYSTEM"}
    return sc


SCRIPT = """set -euo pipefail
echo "starting {app} in $POD_NAMESPACE"
until nc -z {host} {port}; do
  echo "waiting for {host}:{port}"
  sleep 2
done
if [ -f /config/bootstrap.sh ]; then
  . /config/bootstrap.sh
fi
exec /app/{app} --config /config/app.yaml --port={port} "$@"
"""


def container(rng, ctx, name, img, port, profile, mounts, init=False):
    c = {"name": name, "image": img}
    if rng.random() < 0.6:
        c["imagePullPolicy"] = rng.choice(["IfNotPresent", "IfNotPresent", "Always"])
    r = rng.random()
    if r < 0.15:
        c["command"] = ["/bin/sh", "-c"]
        c["args"] = [SCRIPT.format(app=ctx.app, host=rng.choice(["postgres", "redis", "kafka-0.kafka"]), port=rng.choice([5432, 6379, 9092]))]
    elif r < 0.45:
        c["args"] = sub(rng, [f"--port={port}", "--log-format=json", "--metrics-addr=:9090", f"--namespace={ctx.ns}",
                              "--leader-elect", "-v=2", "--config=/etc/app/config.yaml", "--enable-pprof=false"], 1, 5)
    if not init:
        ports = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        if rng.random() < 0.4:
            ports.append({"name": "metrics", "containerPort": 9090})
        if rng.random() < 0.15:
            ports.append({"name": "grpc", "containerPort": 50051, "protocol": "TCP"})
        if profile == "insecure" and rng.random() < 0.25:
            ports[0]["hostPort"] = port
        c["ports"] = ports
    if rng.random() < 0.8:
        c["env"] = env_vars(rng, ctx, rng.randint(1, 8))
    if rng.random() < 0.2:
        c["envFrom"] = [{"configMapRef": {"name": f"{ctx.app}-config"}}]
        if rng.random() < 0.5:
            c["envFrom"].append({"secretRef": {"name": f"{ctx.app}-secrets", "optional": True}})
    if rng.random() < 0.85:
        c["resources"] = resources(rng)
    if not init:
        if rng.random() < 0.7:
            c["livenessProbe"] = probe(rng, rng.choice([port, "http"]))
        if rng.random() < 0.7:
            c["readinessProbe"] = probe(rng, port)
        if rng.random() < 0.15:
            c["startupProbe"] = probe(rng, port)
        if rng.random() < 0.15:
            c["lifecycle"] = {"preStop": {"exec": {"command": ["sh", "-c", f"sleep {rng.randint(5, 30)}"]}}}
    if mounts:
        c["volumeMounts"] = mounts
    sc = container_sc(rng, profile)
    if sc is not None:
        c["securityContext"] = sc
    if rng.random() < 0.05:
        c["terminationMessagePolicy"] = "FallbackToLogsOnError"
    return c


HOST_PATHS = ["/var/run/docker.sock", "/var/log", "/", "/proc", "/etc/kubernetes", "/var/lib/kubelet", "/sys", "/run/containerd/containerd.sock"]


def volumes(rng, ctx, profile, kind):
    vols = []
    if rng.random() < 0.5:
        vols.append({"name": "config", "configMap": {"name": f"{ctx.app}-config", "defaultMode": 420}})
        if rng.random() < 0.3:
            vols[-1]["configMap"]["items"] = [{"key": "app.yaml", "path": "app.yaml"}]
    if rng.random() < 0.4:
        vols.append({"name": "tmp", "emptyDir": rng.choice([{}, {"medium": "Memory", "sizeLimit": "64Mi"}, {"sizeLimit": "1Gi"}])})
    if rng.random() < 0.25:
        vols.append({"name": "tls", "secret": {"secretName": f"{ctx.app}-tls", "defaultMode": 256}})
    if rng.random() < 0.12 and kind != "StatefulSet":
        vols.append({"name": "data", "persistentVolumeClaim": {"claimName": f"{ctx.app}-data"}})
    if rng.random() < 0.1:
        vols.append({"name": "azure-identity-token", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"audience": "api://AzureADTokenExchange", "expirationSeconds": 3600, "path": "azure-identity-token"}}]}})
    if rng.random() < 0.08:
        vols.append({"name": "secrets-store", "csi": {"driver": "secrets-store.csi.k8s.io", "readOnly": True,
                                                      "volumeAttributes": {"secretProviderClass": f"{ctx.app}-kv"}}})
    if rng.random() < 0.05:
        vols.append({"name": "podinfo", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}})
    if profile == "insecure" and rng.random() < 0.5 or kind == "DaemonSet" and rng.random() < 0.6:
        for i, p in enumerate(sub(rng, HOST_PATHS, 1, 3)):
            v = {"name": f"host-{i}", "hostPath": {"path": p}}
            if rng.random() < 0.5:
                v["hostPath"]["type"] = rng.choice(["Directory", "Socket", "DirectoryOrCreate", ""])
            vols.append(v)
    return vols


def mount_for(rng, v):
    paths = {"config": "/etc/app", "tmp": "/tmp", "tls": "/etc/tls", "data": "/var/lib/data",
             "azure-identity-token": "/var/run/secrets/azure/tokens", "secrets-store": "/mnt/secrets-store",
             "podinfo": "/etc/podinfo"}
    m = {"name": v["name"], "mountPath": paths.get(v["name"], v.get("hostPath", {}).get("path", "/mnt") if v["name"].startswith("host") else "/mnt/" + v["name"])}
    if m["mountPath"] == "/":
        m["mountPath"] = "/host"
    if v["name"] in ("config", "tls", "secrets-store") or rng.random() < 0.2:
        m["readOnly"] = True
    if rng.random() < 0.05:
        m["subPath"] = "app.yaml"
    return m


def pod_spec(rng, ctx, profile, kind, annotations):
    spec = {}
    if rng.random() < 0.5:
        spec["serviceAccountName"] = rng.choice([ctx.app, ctx.app, "default", f"{ctx.team}-workload"])
    if rng.random() < 0.2:
        spec["automountServiceAccountToken"] = False
    if profile == "insecure" or kind == "DaemonSet" and rng.random() < 0.3:
        if rng.random() < 0.45:
            spec["hostNetwork"] = True
            spec["dnsPolicy"] = "ClusterFirstWithHostNet"
        if rng.random() < 0.2:
            spec["hostPID"] = True
        if rng.random() < 0.15:
            spec["hostIPC"] = True
    if kind in ("Job", "CronJob"):
        spec["restartPolicy"] = rng.choice(["OnFailure", "Never"])
    elif kind == "Pod" and rng.random() < 0.5:
        spec["restartPolicy"] = "Always"
    psc = None
    if profile == "hardened":
        psc = {"runAsNonRoot": True, "runAsUser": rng.choice([1000, 10001, 65532]), "fsGroup": 2000,
               "seccompProfile": {"type": "RuntimeDefault"}}
        if rng.random() < 0.3:
            psc["runAsGroup"] = 3000
        if rng.random() < 0.1:
            psc["supplementalGroups"] = [4000]
    elif profile == "partial":
        psc = rng.choice([{"fsGroup": 2000}, {"runAsNonRoot": True}, {"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000}, {}])
    elif profile == "insecure":
        psc = {}
        opts = [("runAsUser", 0), ("sysctls", [{"name": rng.choice(["kernel.msgmax", "net.core.somaxconn", "kernel.shm_rmid_forced", "vm.max_map_count"]), "value": str(rng.choice([65536, 1024, 262144]))}]),
                ("seccompProfile", {"type": "Unconfined"}), ("seLinuxOptions", {"type": "spc_t"}), ("runAsNonRoot", False)]
        for k, v in rng.sample(opts, rng.randint(0, 2)):
            psc[k] = v
    elif rng.random() < 0.1:
        psc = {}
    if psc is not None and (psc or rng.random() < 0.5):
        spec["securityContext"] = psc
    vols = volumes(rng, ctx, profile, kind)
    n_init = weighted(rng, [(0, 55), (1, 30), (2, 15)])
    if n_init:
        spec["initContainers"] = []
        for name, img in rng.sample(INIT_IMAGES, n_init):
            mounts = [mount_for(rng, v) for v in vols if rng.random() < 0.3]
            spec["initContainers"].append(container(rng, ctx, name, img, 8080, profile if rng.random() < 0.7 else "none", mounts, init=True))
    n = weighted(rng, [(1, 52), (2, 32), (3, 12), (4, 3), (5, 1)])
    port = rng.choice([8080, 8000, 3000, 9000, 80, 8443])
    spec["containers"] = [container(rng, ctx, ctx.app if rng.random() < 0.7 else "app", image(rng, ctx), port, profile,
                                    [mount_for(rng, v) for v in vols if rng.random() < 0.7])]
    for name, img, sport in rng.sample(SIDECARS, n - 1):
        sprof = profile if rng.random() < 0.6 else rng.choice(["none", "partial", "hardened", "insecure"])
        spec["containers"].append(container(rng, ctx, name, img, sport, sprof, [mount_for(rng, v) for v in vols if rng.random() < 0.3]))
    if vols:
        spec["volumes"] = vols
    if rng.random() < 0.3:
        spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
        if rng.random() < 0.4:
            spec["nodeSelector"]["agentpool"] = rng.choice(["user", "system", "spot", "gpu"])
    if rng.random() < 0.2:
        spec["tolerations"] = [{"key": rng.choice(["kubernetes.azure.com/scalesetpriority", "dedicated", "CriticalAddonsOnly"]),
                                "operator": rng.choice(["Equal", "Exists"]), "value": "spot", "effect": "NoSchedule"}]
        if kind == "DaemonSet":
            spec["tolerations"].append({"operator": "Exists"})
    if rng.random() < 0.2:
        spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": ctx.selector()}, "topologyKey": "kubernetes.io/hostname"}}]}}
    if rng.random() < 0.1:
        spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                              "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": ctx.selector()}}]
    if rng.random() < 0.2:
        spec["imagePullSecrets"] = [{"name": "acr-pull"}]
    if rng.random() < 0.3:
        spec["terminationGracePeriodSeconds"] = rng.choice([10, 30, 60, 120])
    if rng.random() < 0.1:
        spec["priorityClassName"] = rng.choice(["high-priority", "system-node-critical"])
    # legacy seccomp / AppArmor annotations
    if rng.random() < 0.08:
        annotations["seccomp.security.alpha.kubernetes.io/pod"] = rng.choice(["runtime/default", "docker/default", "unconfined", "localhost/profiles/audit.json"])
    if rng.random() < 0.06:
        cname = spec["containers"][0]["name"] if rng.random() < 0.8 else "no-such-container"
        annotations[f"container.apparmor.security.beta.kubernetes.io/{cname}"] = rng.choice(["runtime/default", "unconfined", "localhost/k8s-apparmor-example-deny-write"])
    return spec


def pod_template(rng, ctx, profile, kind, component=None):
    ann = {}
    if rng.random() < 0.4:
        ann["prometheus.io/scrape"] = "true"
        ann["prometheus.io/port"] = "9090"
    if rng.random() < 0.3:
        ann["checksum/config"] = hashlib.sha256(rng.randbytes(8)).hexdigest()
    if rng.random() < 0.05:
        ann["kubectl.kubernetes.io/restartedAt"] = "2024-0%d-1%dT10:2%d:00Z" % (rng.randint(1, 9), rng.randint(0, 9), rng.randint(0, 9))
    if rng.random() < 0.15:
        ann["azure.workload.identity/use"] = "true"
    spec = pod_spec(rng, ctx, profile, kind, ann)
    m = {"labels": ctx.selector(component) | ({"version": "v%d" % rng.randint(1, 3)} if rng.random() < 0.3 else {})}
    if ann:
        m["annotations"] = ann
    return {"metadata": m, "spec": spec}


def pick_profile(rng, kind):
    if kind == "DaemonSet":
        return weighted(rng, [("insecure", 45), ("none", 25), ("partial", 15), ("hardened", 15)])
    return weighted(rng, [("insecure", 14), ("none", 36), ("partial", 25), ("hardened", 25)])


WORKLOAD_API = {
    "Deployment": [("apps/v1", 93), ("extensions/v1beta1", 3), ("apps/v1beta1", 2), ("apps/v1beta2", 2)],
    "StatefulSet": [("apps/v1", 95), ("apps/v1beta2", 3), ("apps/v1beta1", 2)],
    "DaemonSet": [("apps/v1", 94), ("extensions/v1beta1", 4), ("apps/v1beta2", 2)],
    "ReplicaSet": [("apps/v1", 95), ("extensions/v1beta1", 5)],
    "Job": [("batch/v1", 1)],
    "CronJob": [("batch/v1", 85), ("batch/v1beta1", 13), ("batch/v2alpha1", 2)],
    "Pod": [("v1", 1)],
    "ReplicationController": [("v1", 1)],
}


def workload(rng, ctx, kind, name=None, component=None):
    name = name or ctx.app
    profile = pick_profile(rng, kind)
    api = weighted(rng, WORKLOAD_API[kind])
    doc = {"apiVersion": api, "kind": kind, "metadata": meta(rng, ctx, name, component=component)}
    if kind == "Pod":
        t = pod_template(rng, ctx, profile, kind, component)
        doc["metadata"]["labels"].update(t["metadata"]["labels"])
        if "annotations" in t["metadata"]:
            doc["metadata"].setdefault("annotations", {}).update(t["metadata"]["annotations"])
        doc["spec"] = t["spec"]
        return doc
    if kind == "CronJob":
        t = pod_template(rng, ctx, profile, kind, component)
        doc["spec"] = {
            "schedule": rng.choice(["*/5 * * * *", "0 3 * * *", "@hourly", "30 1 * * 0", "0 */6 * * *"]),
            "concurrencyPolicy": rng.choice(["Forbid", "Replace", "Allow"]),
            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": {"backoffLimit": rng.randint(0, 6), "template": t}},
        }
        if rng.random() < 0.2:
            doc["spec"]["timeZone"] = "Etc/UTC"
        if rng.random() < 0.1:
            doc["spec"]["suspend"] = True
        return doc
    t = pod_template(rng, ctx, profile, kind, component)
    spec = {}
    if kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
        spec["replicas"] = rng.choice([1, 2, 2, 3, 3, 5, 10])
    if kind == "ReplicationController":
        spec["selector"] = ctx.selector(component)
    elif kind != "Job" or rng.random() < 0.1:
        spec["selector"] = {"matchLabels": ctx.selector(component)}
    if kind == "Deployment":
        if rng.random() < 0.5:
            spec["revisionHistoryLimit"] = rng.choice([3, 5, 10])
        if rng.random() < 0.5:
            spec["strategy"] = rng.choice([{"type": "Recreate"}, {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}])
    elif kind == "StatefulSet":
        spec["serviceName"] = f"{name}-headless"
        if rng.random() < 0.4:
            spec["podManagementPolicy"] = "Parallel"
        spec["updateStrategy"] = {"type": "RollingUpdate"}
        spec["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "storageClassName": rng.choice(["managed-csi", "managed-csi-premium", "default"]),
            "resources": {"requests": {"storage": rng.choice(["8Gi", "32Gi", "128Gi"])}}}}]
        for c in t["spec"]["containers"][:1]:
            c.setdefault("volumeMounts", []).append({"name": "data", "mountPath": "/data"})
    elif kind == "DaemonSet":
        spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
    elif kind == "Job":
        spec["backoffLimit"] = rng.randint(0, 6)
        if rng.random() < 0.5:
            spec["ttlSecondsAfterFinished"] = rng.choice([300, 3600, 86400])
        if rng.random() < 0.2:
            spec["completions"] = 5
            spec["parallelism"] = 2
    spec["template"] = t
    doc["spec"] = spec
    return doc


def service(rng, ctx, name=None, headless=False):
    name = name or ctx.app
    typ = "ClusterIP" if headless else weighted(rng, [("ClusterIP", 70), (None, 10), ("NodePort", 8), ("LoadBalancer", 12)])
    port = rng.choice([80, 8080, 443, 9090, 5432])
    ports = [{"name": "http", "port": port, "targetPort": rng.choice(["http", 8080, 8000])}]
    if rng.random() < 0.3:
        ports[0]["protocol"] = "TCP"
    if rng.random() < 0.3:
        ports.append({"name": "metrics", "port": 9090, "targetPort": "metrics"})
    if typ == "NodePort":
        ports[0]["nodePort"] = rng.randint(30000, 32767)
    spec = {}
    if typ:
        spec["type"] = typ
    if headless:
        spec["clusterIP"] = "None"
    spec["selector"] = ctx.selector()
    spec["ports"] = ports
    if typ == "LoadBalancer" and rng.random() < 0.5:
        spec["externalTrafficPolicy"] = "Local"
    ann = None
    if typ == "LoadBalancer" and rng.random() < 0.6:
        ann = {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(rng, ctx, name + ("-headless" if headless else ""), annotations=ann), "spec": spec}


def text_properties(rng, n):
    return "".join(f"{camel(rng, 2)}.{camel(rng, 1)}={rng.choice(['true', 'false', str(rng.randint(1, 5000)), camel(rng), 'jdbc:postgresql://db:5432/app'])}\n" for _ in range(n))


def text_app_yaml(rng, ctx, n):
    lines = ["server:", f"  port: {rng.choice([8080, 8000])}", "  shutdown: graceful", "logging:", "  level:",
             "    root: INFO", f"    com.contoso.{ctx.team.replace('-', '')}: DEBUG", "features:"]
    for _ in range(n):
        lines.append(f"  {camel(rng)}: {rng.choice(['true', 'false', rng.randint(1, 100)])}")
    lines += ["upstreams:"]
    for _ in range(max(1, n // 4)):
        lines += [f"  - name: {camel(rng)}", f"    url: http://{rng.choice(APP_PREFIX)}-api.{ctx.ns}.svc:8080", f"    timeout: {rng.randint(1, 30)}s"]
    return "\n".join(lines) + "\n"


def text_nginx(rng, n):
    out = ["worker_processes auto;", "events {", "  worker_connections 1024;", "}", "http {",
           "  include /etc/nginx/mime.types;", "  sendfile on;",
           '  log_format json escape=json \'{"time":"$time_iso8601","status":$status,"uri":"$request_uri"}\';']
    for i in range(n):
        out += [f"  upstream backend_{i} {{", f"    server {rng.choice(APP_PREFIX)}-svc:{rng.choice([8080, 8000])};", "    keepalive 32;", "  }",
                "  server {", f"    listen {8080 + i};", f"    server_name {rng.choice(APP_PREFIX)}.contoso.com;",
                "    location / {", f"      proxy_pass http://backend_{i};", "      proxy_set_header Host $host;",
                "      proxy_read_timeout 60s;", "    }", "    location /healthz { return 200 'ok'; }", "  }"]
    out.append("}")
    return "\n".join(out) + "\n"


def text_dashboard(rng, n_panels):
    panels = []
    for i in range(n_panels):
        panels.append({
            "id": i + 1, "type": rng.choice(["timeseries", "stat", "table", "gauge"]), "title": sentence(rng, 2, 5).rstrip("."),
            "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i // 2) * 8},
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "targets": [{"expr": f'sum(rate(http_requests_total{{namespace="$namespace",code=~"5.."}}[5m])) by ({camel(rng)})',
                         "legendFormat": "{{%s}}" % camel(rng), "refId": "A"}],
            "fieldConfig": {"defaults": {"unit": rng.choice(["reqps", "s", "bytes", "percent"]),
                                         "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]}},
                            "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "single"}},
        })
    return json.dumps({"title": sentence(rng, 2, 4), "uid": "%012x" % rng.getrandbits(48), "schemaVersion": 39,
                       "templating": {"list": [{"name": "namespace", "type": "query", "query": "label_values(kube_pod_info, namespace)"}]},
                       "panels": panels}, indent=2) + "\n"


def configmap(rng, ctx, name=None, big=False):
    name = name or f"{ctx.app}-config"
    data = {}
    for k, v in (("LOG_LEVEL", "info"), ("mode", rng.choice(["standalone", "cluster"])), ("FEATURE_X_ENABLED", rng.choice(["true", "false"])),
                 ("MAX_CONNECTIONS", str(rng.randint(10, 500))), ("region", rng.choice(["westeurope", "eastus2", "northeurope"]))):
        if rng.random() < 0.5:
            data[k] = v
    r = rng.random()
    if big:
        data["dashboard.json"] = text_dashboard(rng, rng.randint(30, 250))
    elif r < 0.3:
        data["app.yaml"] = text_app_yaml(rng, ctx, rng.randint(5, 60))
    elif r < 0.5:
        data["application.properties"] = text_properties(rng, rng.randint(5, 80))
    elif r < 0.65:
        data["nginx.conf"] = text_nginx(rng, rng.randint(1, 6))
    elif r < 0.75:
        data["config.json"] = json.dumps({camel(rng): {camel(rng): rng.randint(1, 99) for _ in range(4)} for _ in range(rng.randint(3, 20))}, indent=2)
    elif r < 0.85:
        data["bootstrap.sh"] = SCRIPT.format(app=ctx.app, host="db", port=5432)
    if not data:
        data["placeholder"] = ""
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(rng, ctx, name), "data": data}
    if rng.random() < 0.03:
        doc["immutable"] = True
    return doc


def secret(rng, ctx, name=None):
    name = name or f"{ctx.app}-secrets"
    t = weighted(rng, [("Opaque", 60), ("tls", 20), ("docker", 10), ("string", 10)])
    doc = {"apiVersion": "v1", "kind": "Secret", "metadata": meta(rng, ctx, name)}
    if t == "tls":
        doc["metadata"]["name"] = f"{ctx.app}-tls"
        doc["type"] = "kubernetes.io/tls"
        doc["data"] = {"tls.crt": b64((pem(rng) + pem(rng)).encode()), "tls.key": b64(pem(rng, "PRIVATE KEY", 1190).encode())}
        if rng.random() < 0.3:
            doc["data"]["ca.crt"] = b64(pem(rng).encode())
    elif t == "docker":
        doc["metadata"]["name"] = "acr-pull"
        doc["type"] = "kubernetes.io/dockerconfigjson"
        auth = b64(f"{guid(rng)}:{b64(rng.randbytes(24))}".encode())
        doc["data"] = {".dockerconfigjson": b64(json.dumps({"auths": {"contosoprod.azurecr.io": {"auth": auth}}}).encode())}
    elif t == "string":
        doc["type"] = "Opaque"
        doc["stringData"] = {"username": ctx.app, "password": b64(rng.randbytes(18)), "url": f"postgres://{ctx.app}:changeme@db:5432/{ctx.app}?sslmode=require"}
    else:
        doc["type"] = "Opaque"
        doc["data"] = {k: b64(rng.randbytes(rng.randint(8, 64))) for k in sub(rng, ["password", "api-key", "url", "client-secret", "token", "jwt-signing-key"], 1, 4)}
    return doc


def ingress(rng, ctx):
    api = weighted(rng, [("networking.k8s.io/v1", 88), ("networking.k8s.io/v1beta1", 7), ("extensions/v1beta1", 5)])
    host = f"{ctx.app}.{ctx.env}.contoso.com"
    ann = {}
    if rng.random() < 0.6:
        ann["nginx.ingress.kubernetes.io/rewrite-target"] = "/$2"
        ann["nginx.ingress.kubernetes.io/proxy-body-size"] = rng.choice(["1m", "10m", "50m"])
    if rng.random() < 0.3:
        ann["cert-manager.io/cluster-issuer"] = "letsencrypt-prod"
    if rng.random() < 0.05:
        ann["nginx.ingress.kubernetes.io/configuration-snippet"] = "more_set_headers \"X-Frame-Options: DENY\";\nmore_set_headers \"X-Content-Type-Options: nosniff\";\n"
    paths = []
    for p in rng.sample(["/", "/api(/|$)(.*)", "/v1", "/v2", "/static", "/graphql"], rng.randint(1, 3)):
        if api == "networking.k8s.io/v1":
            paths.append({"path": p, "pathType": rng.choice(["Prefix", "ImplementationSpecific", "Exact"]),
                          "backend": {"service": {"name": ctx.app, "port": rng.choice([{"number": 80}, {"name": "http"}])}}})
        else:
            paths.append({"path": p, "backend": {"serviceName": ctx.app, "servicePort": rng.choice([80, "http"])}})
    spec = {}
    if api == "networking.k8s.io/v1" and rng.random() < 0.7:
        spec["ingressClassName"] = rng.choice(["nginx", "webapprouting.kubernetes.azure.com", "azure-application-gateway"])
    elif rng.random() < 0.5:
        ann["kubernetes.io/ingress.class"] = "nginx"
    if rng.random() < 0.6:
        spec["tls"] = [{"hosts": [host], "secretName": f"{ctx.app}-tls"}]
    spec["rules"] = [{"host": host, "http": {"paths": paths}}]
    return {"apiVersion": api, "kind": "Ingress", "metadata": meta(rng, ctx, ctx.app, annotations=ann or None), "spec": spec}


RULE_POOL = [
    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]},
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["app-secrets"], "verbs": ["get"]},
    {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets"], "verbs": ["get", "list", "watch", "update", "patch"]},
    {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
    {"apiGroups": [""], "resources": ["pods/exec", "pods/attach"], "verbs": ["create"]},
    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["escalate", "bind"]},
    {"apiGroups": [""], "resources": ["users", "groups", "serviceaccounts"], "verbs": ["impersonate"]},
    {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]},
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
    {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ["*"]},
    {"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]},
]
USERS = ["alice@contoso.com", "bob.smith@contoso.com", "carol@contoso.onmicrosoft.com", "dave@contoso.com", "erin.jones@contoso.com", "ops-breakglass@contoso.com"]


def rbac_api(rng):
    return weighted(rng, [("rbac.authorization.k8s.io/v1", 95), ("rbac.authorization.k8s.io/v1beta1", 4), ("rbac.authorization.k8s.io/v1alpha1", 1)])


def role(rng, ctx, name, cluster=False):
    doc = {"apiVersion": rbac_api(rng), "kind": "ClusterRole" if cluster else "Role",
           "metadata": meta(rng, ctx, name, namespaced=not cluster)}
    doc["rules"] = copy.deepcopy(rng.sample(RULE_POOL[:5] + RULE_POOL[10:], rng.randint(1, 4)))
    if rng.random() < 0.15:
        doc["rules"].append(copy.deepcopy(rng.choice(RULE_POOL[5:10])))
    if cluster and rng.random() < 0.1:
        doc["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {"rbac.contoso.com/aggregate-to-monitoring": "true"}}]}
        doc["rules"] = []
    return doc


def subject(rng, ctx):
    k = weighted(rng, [("Group", 45), ("User", 30), ("ServiceAccount", 20), ("special", 5)])
    if k == "Group":
        return {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": guid(rng) if rng.random() < 0.6 else f"{ctx.team}-developers"}
    if k == "User":
        return {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": rng.choice(USERS) if rng.random() < 0.8 else guid(rng)}
    if k == "ServiceAccount":
        return {"kind": "ServiceAccount", "name": rng.choice([ctx.app, "default"]), "namespace": ctx.ns}
    return rng.choice([{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"},
                       {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "system:anonymous"},
                       {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:unauthenticated"}])


def binding(rng, ctx, name, role_name, cluster=False, role_kind=None):
    doc = {"apiVersion": rbac_api(rng), "kind": "ClusterRoleBinding" if cluster else "RoleBinding",
           "metadata": meta(rng, ctx, name, namespaced=not cluster)}
    doc["subjects"] = [subject(rng, ctx) for _ in range(weighted(rng, [(1, 60), (2, 25), (3, 10), (6, 5)]))]
    doc["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind or ("ClusterRole" if cluster else "Role"), "name": role_name}
    return doc


def network_policy(rng, ctx, variant, name=None):
    doc = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(rng, ctx, name or variant)}
    doc["metadata"]["namespace"] = ctx.ns
    if variant == "default-deny":
        doc["spec"] = {"podSelector": {}, "policyTypes": rng.choice([["Ingress", "Egress"], ["Ingress"], ["Egress"]])}
    elif variant == "allow-dns":
        doc["spec"] = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}
    elif variant == "deny-metadata":
        exc = ["169.254.169.254/32"] if rng.random() < 0.8 else ["169.254.0.0/16"]
        if rng.random() < 0.4:
            exc.append("168.63.129.16/32")
        doc["spec"] = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": exc}}]}]}
    elif variant == "allow-all-egress":
        doc["spec"] = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}
    else:  # app ingress
        doc["spec"] = {"podSelector": {"matchLabels": ctx.selector()}, "policyTypes": ["Ingress"], "ingress": [{
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": rng.choice(["ingress-nginx", "app-routing-system", ctx.ns])}}},
                     {"podSelector": {"matchLabels": {"app.kubernetes.io/name": rng.choice(APP_PREFIX) + "-api"}}}],
            "ports": [{"protocol": "TCP", "port": rng.choice([8080, 80, "http"])}]}]}
        if rng.random() < 0.3:
            doc["spec"]["policyTypes"].append("Egress")
            doc["spec"]["egress"] = [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]
    return doc


def namespace(rng, ctx, name):
    doc = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"team": ctx.team}}}
    if rng.random() < 0.8:
        lvl = weighted(rng, [("restricted", 40), ("baseline", 45), ("privileged", 15)])
        doc["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = lvl
        if rng.random() < 0.6:
            doc["metadata"]["labels"]["pod-security.kubernetes.io/enforce-version"] = rng.choice(["latest", "v1.28", "v1.30", "v1.25"])
        if rng.random() < 0.5:
            doc["metadata"]["labels"]["pod-security.kubernetes.io/warn"] = "restricted"
            doc["metadata"]["labels"]["pod-security.kubernetes.io/audit"] = "restricted"
    if rng.random() < 0.3:
        doc["metadata"]["annotations"] = {"scheduler.alpha.kubernetes.io/node-selector": "agentpool=user"}
    return doc


def service_account(rng, ctx):
    doc = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(rng, ctx, ctx.app)}
    if rng.random() < 0.4:
        doc["metadata"].setdefault("annotations", {})["azure.workload.identity/client-id"] = guid(rng)
    if rng.random() < 0.4:
        doc["automountServiceAccountToken"] = False
    return doc


def hpa(rng, ctx):
    api = weighted(rng, [("autoscaling/v2", 80), ("autoscaling/v2beta2", 10), ("autoscaling/v2beta1", 5), ("autoscaling/v1", 5)])
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": ctx.app},
            "minReplicas": rng.randint(1, 3), "maxReplicas": rng.randint(4, 30)}
    if api == "autoscaling/v1":
        spec["targetCPUUtilizationPercentage"] = 70
    elif api == "autoscaling/v2beta1":
        spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "targetAverageUtilization": 70}}]
    else:
        spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]
    return {"apiVersion": api, "kind": "HorizontalPodAutoscaler", "metadata": meta(rng, ctx, ctx.app), "spec": spec}


def pdb(rng, ctx):
    api = weighted(rng, [("policy/v1", 88), ("policy/v1beta1", 12)])
    spec = {rng.choice(["minAvailable", "maxUnavailable"]): rng.choice([1, "50%"]), "selector": {"matchLabels": ctx.selector()}}
    return {"apiVersion": api, "kind": "PodDisruptionBudget", "metadata": meta(rng, ctx, ctx.app), "spec": spec}


def pvc(rng, ctx):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta(rng, ctx, f"{ctx.app}-data"),
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "managed-csi",
                     "resources": {"requests": {"storage": rng.choice(["1Gi", "10Gi", "100Gi"])}}}}


def psp(rng, ctx, name):
    return {"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": name},
            "spec": {"privileged": rng.random() < 0.5, "allowPrivilegeEscalation": True, "hostNetwork": rng.random() < 0.3,
                     "runAsUser": {"rule": "RunAsAny"}, "seLinux": {"rule": "RunAsAny"}, "supplementalGroups": {"rule": "RunAsAny"},
                     "fsGroup": {"rule": "RunAsAny"}, "volumes": ["*"]}}


def extra_cr(rng, ctx):
    k = rng.choice(["ServiceMonitor", "Certificate", "Rollout", "ScaledObject"])
    if k == "ServiceMonitor":
        return {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": meta(rng, ctx, ctx.app),
                "spec": {"selector": {"matchLabels": ctx.selector()}, "endpoints": [{"port": "metrics", "interval": "30s", "path": "/metrics"}]}}
    if k == "Certificate":
        return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": meta(rng, ctx, f"{ctx.app}-tls"),
                "spec": {"secretName": f"{ctx.app}-tls", "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer"},
                         "dnsNames": [f"{ctx.app}.{ctx.env}.contoso.com"], "duration": "2160h", "renewBefore": "360h"}}
    if k == "ScaledObject":
        return {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": meta(rng, ctx, ctx.app),
                "spec": {"scaleTargetRef": {"name": ctx.app}, "minReplicaCount": 0, "maxReplicaCount": 20,
                         "triggers": [{"type": "azure-servicebus", "metadata": {"queueName": f"{ctx.app}-queue", "messageCount": "50"}}]}}
    t = pod_template(rng, ctx, pick_profile(rng, "Deployment"), "Deployment")
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": meta(rng, ctx, ctx.app),
            "spec": {"replicas": 3, "selector": {"matchLabels": ctx.selector()}, "template": t,
                     "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {"duration": "10m"}}, {"setWeight": 50}, {"pause": {}}]}}}}


def kustomization(rng, ctx, resources_, base=False, patches=()):
    doc = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
    if not base:
        doc["namespace"] = ctx.ns
    doc["resources"] = list(resources_)
    if rng.random() < 0.2:
        doc["commonLabels"] = {"app.kubernetes.io/part-of": ctx.team}
    elif rng.random() < 0.25:
        doc["labels"] = [{"pairs": {"team": ctx.team}, "includeSelectors": False}]
    if not base and rng.random() < 0.6:
        doc["images"] = [{"name": f"contosoprod.azurecr.io/{ctx.team}/{ctx.app}", "newTag": f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"}]
    if patches:
        doc["patches"] = [{"path": p, "target": {"kind": "Deployment", "name": ctx.app}} if rng.random() < 0.5 else {"path": p} for p in patches]
    if not base and rng.random() < 0.3:
        doc["configMapGenerator"] = [{"name": f"{ctx.app}-env", "behavior": "merge", "literals": [f"ENV={ctx.env}", "LOG_LEVEL=debug"]}]
    return doc


def patch_doc(rng, ctx):
    c = {"name": ctx.app}
    if rng.random() < 0.7:
        c["resources"] = resources(rng)
    if rng.random() < 0.5:
        c["env"] = env_vars(rng, ctx, rng.randint(1, 4))
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": ctx.app},
            "spec": {"replicas": rng.choice([1, 2, 3, 6]), "template": {"spec": {"containers": [c]}}}}


# --------------------------------------------------------------------------------------------
# CRDs: a few large ones with deep schemas
# --------------------------------------------------------------------------------------------

CRD_NAMES = [
    ("clusterpolicies", "ClusterPolicy", "policy.contoso.io"), ("dataplanes", "DataPlane", "mesh.contoso.io"),
    ("prometheuses", "Prometheus", "monitoring.contoso.io"), ("applicationsets", "ApplicationSet", "gitops.contoso.io"),
    ("postgresclusters", "PostgresCluster", "db.contoso.io"), ("kafkaclusters", "KafkaCluster", "streaming.contoso.io"),
    ("workflows", "Workflow", "pipelines.contoso.io"), ("gateways", "Gateway", "edge.contoso.io"),
    ("machinepools", "MachinePool", "infra.contoso.io"), ("elasticsearches", "Elasticsearch", "search.contoso.io"),
    ("rollouts", "Rollout", "delivery.contoso.io"), ("certificates", "Certificate", "pki.contoso.io"),
]


def schema_node(rng, depth, budget, max_depth, force_object=False):
    budget[0] -= 1
    desc = sentence(rng, 4, 40)
    if rng.random() < 0.15:
        desc += "\n" + sentence(rng, 4, 30) + "\n" + sentence(rng, 4, 20)
    r = 0.0 if force_object else rng.random()
    if depth < max_depth and budget[0] > 0 and r < 0.45:
        props = {}
        for _ in range(rng.randint(2, 10 if depth < 3 else 6)):
            if budget[0] <= 0:
                break
            props[camel(rng)] = schema_node(rng, depth + 1, budget, max_depth, force_object=depth < 4 and rng.random() < 0.5)
        node = {"description": desc, "type": "object", "properties": props}
        if props and rng.random() < 0.4:
            node["required"] = sorted(rng.sample(list(props), rng.randint(1, min(3, len(props)))))
        if rng.random() < 0.05:
            node["x-kubernetes-map-type"] = "atomic"
        return node
    if depth < max_depth and budget[0] > 0 and r < 0.6:
        node = {"description": desc, "type": "array", "items": schema_node(rng, depth + 1, budget, max_depth)}
        if rng.random() < 0.2:
            node["x-kubernetes-list-type"] = "atomic"
        return node
    k = rng.random()
    if k < 0.5:
        node = {"description": desc, "type": "string"}
        if rng.random() < 0.2:
            node["enum"] = rng.sample(["Always", "Never", "IfNotPresent", "Auto", "Manual", "Enabled", "Disabled"], rng.randint(2, 4))
        elif rng.random() < 0.1:
            node["pattern"] = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
        elif rng.random() < 0.1:
            node["format"] = rng.choice(["date-time", "uri", "int-or-string"])
        return node
    if k < 0.7:
        node = {"description": desc, "type": "integer", "format": rng.choice(["int32", "int64"])}
        if rng.random() < 0.3:
            node["minimum"] = 0
        return node
    if k < 0.85:
        return {"description": desc, "type": "boolean"}
    if k < 0.93:
        return {"anyOf": [{"type": "integer"}, {"type": "string"}], "description": desc,
                "pattern": r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))$", "x-kubernetes-int-or-string": True}
    if k < 0.97:
        return {"additionalProperties": {"type": "string"}, "description": desc, "type": "object"}
    return {"description": desc, "type": "object", "x-kubernetes-preserve-unknown-fields": True}


def crd(rng, idx, target_bytes):
    plural, kind, group = CRD_NAMES[idx % len(CRD_NAMES)]
    if idx >= len(CRD_NAMES):
        group = f"v{idx // len(CRD_NAMES)}.{group}"
    n_versions = rng.choice([1, 1, 2, 3])
    versions = ["v1", "v1beta1", "v1alpha1"][:n_versions]
    # about 330 bytes per schema node once emitted
    budget_nodes = max(50, target_bytes // 330 // n_versions)
    seed = rng.getrandbits(64)
    for _ in range(6):
        r2 = random.Random(seed)
        budget = [budget_nodes]
        max_depth = r2.randint(9, 13)
        spec_schema = {"description": f"{kind}Spec defines the desired state of {kind}.", "type": "object", "properties": {}}
        while budget[0] > 0:
            spec_schema["properties"][camel(r2)] = schema_node(r2, 3, budget, max_depth, force_object=r2.random() < 0.7)
        status = schema_node(r2, 2, [budget_nodes // 6], 6)
        root = {"description": f"{kind} is the Schema for the {plural} API.", "type": "object", "properties": {
            "apiVersion": {"description": "APIVersion defines the versioned schema of this representation of an object.", "type": "string"},
            "kind": {"description": "Kind is a string value representing the REST resource this object represents.", "type": "string"},
            "metadata": {"type": "object"}, "spec": spec_schema, "status": status}}
        vers = []
        for i, v in enumerate(versions):
            vers.append({"name": v, "served": True, "storage": i == 0, "schema": {"openAPIV3Schema": root},
                         "subresources": {"status": {}},
                         "additionalPrinterColumns": [{"jsonPath": ".status.phase", "name": "Phase", "type": "string"},
                                                      {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}]})
        doc = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"annotations": {"controller-gen.kubebuilder.io/version": "v0.14.0"}, "name": f"{plural}.{group}"},
               "spec": {"group": group, "names": {"categories": ["all", group.split(".")[0]], "kind": kind, "listKind": kind + "List",
                                                  "plural": plural, "singular": kind.lower()},
                        "scope": "Namespaced", "versions": vers}}
        st = Style(random.Random(seed + 1), comments=False)
        st.quote_all = False
        st.flow_lists = False
        text = emit_yaml_doc(doc, st, random.Random(seed + 2))
        size = len(text.encode())
        if 0.9 * target_bytes <= size <= 1.1 * target_bytes:
            break
        budget_nodes = max(50, int(budget_nodes * target_bytes / size))
    return f"{plural}.{group}.yaml", "---\n" + text


# --------------------------------------------------------------------------------------------
# File rendering
# --------------------------------------------------------------------------------------------

LICENSE_HEADER = """# Copyright 2024 Contoso Ltd.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""


def add_anchors(doc, rng):
    """Occasionally share the workload's labels with its selector via an anchor, as people do."""
    try:
        labels = doc["spec"]["selector"]["matchLabels"]
        tmpl = doc["spec"]["template"]["metadata"]
    except (KeyError, TypeError):
        return doc
    if tmpl.get("labels") != labels or rng.random() > 0.06:
        return doc
    doc = dict(doc)
    doc["spec"] = dict(doc["spec"])
    doc["spec"]["selector"] = {"matchLabels": Anchor("selector", labels)}
    doc["spec"]["template"] = dict(doc["spec"]["template"])
    md = dict(tmpl)
    if rng.random() < 0.5:
        md["labels"] = Alias("selector")
    else:
        md["labels"] = {"<<": Alias("selector"), "tier": "backend"}
    doc["spec"]["template"]["metadata"] = md
    return doc


class Stats:
    def __init__(self):
        self.files = 0
        self.docs = 0
        self.resources = 0
        self.bytes = 0
        self.json_files = 0
        self.multi_doc_files = 0
        self.kinds = Counter()
        self.sizes = []
        self.max_depth = 0
        self.crd_sizes = []


def last_applied(rng, docs):
    """`kubectl get -o yaml` exports carry the whole object again as a JSON annotation."""
    out = []
    for d in docs:
        if d.get("kind") != "Kustomization" and isinstance(d.get("metadata"), dict) and rng.random() < 0.08:
            d = copy.deepcopy(d)
            blob = json.dumps(d, separators=(",", ":"), ensure_ascii=False) + "\n"
            d["metadata"].setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = blob
        out.append(d)
    return out


def render(rng, docs, sources=None, helm=False, allow_json=True):
    """Return (text, is_json) for a list of documents."""
    if not helm:
        docs = last_applied(rng, docs)
    if allow_json and not helm and (len(docs) == 1 and rng.random() < 0.06 or len(docs) > 1 and rng.random() < 0.01):
        obj = docs[0] if len(docs) == 1 else {"apiVersion": "v1", "kind": "List", "items": docs}
        return json.dumps(obj, indent=rng.choice([2, 2, 4]), ensure_ascii=False) + "\n", True
    st = Style(rng)
    parts = []
    r = rng.random()
    if r < 0.08:
        parts.append(LICENSE_HEADER)
    elif r < 0.2:
        parts.append("# " + rng.choice(COMMENTS) + "\n")
    explicit_first = helm or rng.random() < 0.3
    for i, d in enumerate(docs):
        if i > 0 or explicit_first:
            parts.append("---\n")
        if sources:
            parts.append(f"# Source: {sources[i]}\n")
        parts.append(emit_yaml_doc(add_anchors(d, rng), st, rng))
    if len(docs) > 1 and rng.random() < 0.05:
        parts.append("---\n")
    return "".join(parts), False


def depth_of(path):
    return path.count("/")


def team_stream(seed):
    """Yield (relative path, docs, options) forever: teams, each with platform files and apps."""
    rng = random.Random(f"{seed}:teams")
    team_idx = 0
    while True:
        base_name = TEAM_NAMES[team_idx % len(TEAM_NAMES)]
        team = base_name if team_idx < len(TEAM_NAMES) else f"{base_name}-{team_idx // len(TEAM_NAMES) + 1}"
        team_idx += 1
        envs = sorted(rng.sample(ENVS, rng.randint(2, 4)), key=ENVS.index)
        root = f"teams/{team}"
        tctx = Ctx(team, team, envs[0], f"{team}-{envs[0]}")
        # namespaces
        if rng.random() < 0.8:
            yield f"{root}/namespaces/namespaces.yaml", [namespace(rng, tctx, f"{team}-{e}") for e in envs], {}
        else:
            for e in envs:
                yield f"{root}/namespaces/{team}-{e}.yaml", [namespace(rng, tctx, f"{team}-{e}")], {}
        # RBAC
        docs = []
        for e in envs:
            c = Ctx(team, team, e, f"{team}-{e}")
            rname = rng.choice([f"{team}-developer", "edit", "view", "admin", "cluster-admin"])
            if rname.startswith(team):
                docs.append(role(rng, c, rname))
            docs.append(binding(rng, c, f"{team}-{e}-{rname}", rname, role_kind="Role" if rname.startswith(team) else "ClusterRole"))
        yield f"{root}/rbac/rolebindings.yaml", docs, {}
        if rng.random() < 0.35:
            yield f"{root}/rbac/clusterrole.yaml", [role(rng, tctx, f"{team}-readonly", cluster=True)], {}
        if rng.random() < 0.2:
            yield f"{root}/rbac/clusterrolebinding.yaml", [binding(rng, tctx, f"{team}-cluster", rng.choice(["cluster-admin", f"{team}-readonly", "view"]), cluster=True)], {}
        # network policies per environment
        for e in envs:
            c = Ctx(team, team, e, f"{team}-{e}")
            variants = [v for v in ("default-deny", "allow-dns", "deny-metadata", "allow-all-egress") if rng.random() < (0.2 if v == "allow-all-egress" else 0.7)]
            if rng.random() < 0.5:
                variants.append("app-ingress")
            if not variants:
                continue
            if rng.random() < 0.85:
                yield f"{root}/network-policies/{e}/policies.yaml", [network_policy(rng, c, v) for v in variants], {}
            else:
                for v in variants:
                    yield f"{root}/network-policies/{e}/{v}.yaml", [network_policy(rng, c, v)], {}
        # apps
        used = set()
        for _ in range(rng.randint(4, 14)):
            while True:
                app = f"{rng.choice(APP_PREFIX)}-{rng.choice(APP_SUFFIX)}"
                if app not in used:
                    used.add(app)
                    break
            yield from app_files(rng, team, app, envs)


def app_files(rng, team, app, envs):
    root = f"teams/{team}/apps/{app}"
    ctx = Ctx(team, app, "base", f"{team}-{envs[0]}")
    kind = weighted(rng, [("Deployment", 50), ("StatefulSet", 12), ("DaemonSet", 6), ("Job", 6), ("CronJob", 9),
                          ("Pod", 6), ("ReplicaSet", 3), ("ReplicationController", 2)])
    served = kind in ("Deployment", "StatefulSet", "DaemonSet", "Pod", "ReplicaSet", "ReplicationController")
    use_kustomize = rng.random() < 0.25
    base = []

    def put(name, docs, **opts):
        base.append(name)
        return f"{root}/base/{name}", docs, opts

    # the resources of the app, grouped into files the way people group them
    wl = workload(rng, ctx, kind)
    networking = []
    if served and rng.random() < 0.85:
        networking.append(service(rng, ctx))
        if kind == "StatefulSet":
            networking.append(service(rng, ctx, headless=True))
    if served and rng.random() < 0.35:
        networking.append(ingress(rng, ctx))
    if rng.random() < 0.4:
        networking.append(network_policy(rng, ctx, "app-ingress", name=f"{app}-ingress"))
    config = []
    if rng.random() < 0.65:
        config.append(configmap(rng, ctx, big=rng.random() < 0.03))
    if rng.random() < 0.3:
        config.append(secret(rng, ctx))
    access = []
    if rng.random() < 0.5:
        access.append(service_account(rng, ctx))
    if rng.random() < 0.3:
        access += [role(rng, ctx, app), binding(rng, ctx, app, app)]
    scaling = []
    if kind == "Deployment" and rng.random() < 0.3:
        scaling.append(hpa(rng, ctx))
    if served and rng.random() < 0.3:
        scaling.append(pdb(rng, ctx))
    if rng.random() < 0.1:
        scaling.append(pvc(rng, ctx))
    extras = []
    if rng.random() < 0.3:
        extra_kind = rng.choice(["Job", "CronJob", "Deployment"])
        extras.append(workload(rng, ctx, extra_kind, name=f"{app}-{extra_kind.lower()}", component="worker"))
    if rng.random() < 0.15:
        extras.append(extra_cr(rng, ctx))
    if rng.random() < 0.02:
        extras.append(psp(rng, ctx, f"{app}-psp"))

    style = rng.random()
    if style < 0.35:
        # everything in one or two files
        docs = [wl] + networking + config + access + scaling + extras
        if len(docs) > 8:
            yield put(f"{app}.yaml", docs[:6])
            yield put(f"{app}-extra.yaml", docs[6:])
        else:
            yield put(f"{app}.yaml", docs)
    elif style < 0.92:
        # one file per concern
        groups = [("networking.yaml", networking), ("config.yaml", config), ("rbac.yaml", access), ("scaling.yaml", scaling)]
        first = [wl]
        for name, docs in groups:
            # a lone small object usually lives next to the workload
            if len(docs) == 1 and docs[0]["kind"] not in ("ConfigMap", "Secret") and rng.random() < 0.8:
                first.append(docs.pop())
        yield put(f"{kind.lower()}.yaml", first)
        for name, docs in groups:
            if docs:
                yield put(name, docs)
        for d in extras:
            yield put(f"{d['kind'].lower()}-{d['metadata']['name']}.yaml", [d])
    else:
        # one file per resource
        for d in [wl] + networking + config + access + scaling + extras:
            yield put(f"{d['kind'].lower()}-{d['metadata']['name']}.yaml", [d])
    if use_kustomize:
        yield f"{root}/base/kustomization.yaml", [kustomization(rng, ctx, list(base), base=True)], {"allow_json": False}
    # per-environment overlays
    for e in envs:
        ectx = Ctx(team, app, e, f"{team}-{e}")
        odir = f"{root}/overlays/{e}"
        if use_kustomize:
            patches = []
            extra = []
            inline = []
            if kind == "Deployment" and rng.random() < 0.2:
                patches.append("patch-deployment.yaml")
                yield f"{odir}/patch-deployment.yaml", [patch_doc(rng, ectx)], {"allow_json": False}
            elif rng.random() < 0.85:
                st = Style(rng, comments=False)
                st.flow_lists = st.flow_maps = st.quote_all = st.yaml11_bools = False
                target = {"kind": kind, "name": app}
                inline.append({"patch": emit_yaml_doc(patch_doc(rng, ectx) | {"kind": kind}, st, rng), "target": target})
                if rng.random() < 0.5:
                    inline.append({"patch": "- op: replace\n  path: /spec/replicas\n  value: %d\n" % rng.randint(1, 6), "target": target})
            if rng.random() < 0.4:
                extra.append("resources.yaml")
                docs = [configmap(rng, ectx, name=f"{app}-config-{e}")]
                if rng.random() < 0.4:
                    docs.append(ingress(rng, ectx))
                if rng.random() < 0.3:
                    docs.append(secret(rng, ectx))
                yield f"{odir}/resources.yaml", docs, {}
            k = kustomization(rng, ectx, ["../../base"] + extra, patches=patches)
            if inline:
                k.setdefault("patches", []).extend(inline)
            yield f"{odir}/kustomization.yaml", [k], {"allow_json": False}
        else:
            # a full copy per environment
            docs = [workload(rng, ectx, kind)]
            if served and rng.random() < 0.4:
                docs.append(service(rng, ectx))
            if rng.random() < 0.2:
                docs.append(configmap(rng, ectx))
            if rng.random() < 0.2:
                docs.append(network_policy(rng, ectx, "app-ingress", name=f"{app}-ingress"))
            yield f"{odir}/{app}.yaml", docs, {}
    # rendered helm output
    if rng.random() < 0.12:
        e = rng.choice(envs)
        hctx = Ctx(team, app, e, f"{team}-{e}", managed_by="Helm")
        docs, sources = [], []
        chart = app
        for maker, tmpl in ((lambda: service_account(rng, hctx), "serviceaccount.yaml"),
                            (lambda: configmap(rng, hctx), "configmap.yaml"),
                            (lambda: service(rng, hctx), "service.yaml"),
                            (lambda: workload(rng, hctx, kind if kind != "Pod" else "Deployment"), "deployment.yaml"),
                            (lambda: hpa(rng, hctx), "hpa.yaml"),
                            (lambda: ingress(rng, hctx), "ingress.yaml"),
                            (lambda: pdb(rng, hctx), "pdb.yaml"),
                            (lambda: extra_cr(rng, hctx), "servicemonitor.yaml")):
            if rng.random() < 0.6 or tmpl == "deployment.yaml":
                docs.append(maker())
                sources.append(f"{chart}/templates/{tmpl}")
        yield f"{root}/rendered/{e}/manifest.yaml", docs, {"sources": sources, "helm": True}


def cluster_files(seed, n_crds):
    rng = random.Random(f"{seed}:cluster")
    for i in range(n_crds):
        crng = random.Random(f"{seed}:crd:{i}")
        target = crng.randint(220_000, 440_000)
        name, text = crd(crng, i, target)
        yield f"cluster/crds/{name}", text
    ctx = Ctx("platform", "cluster", "prod", "kube-system")
    docs = [role(rng, ctx, "platform-admin", cluster=True)]
    docs += [binding(rng, ctx, f"cluster-admins-{i}", "cluster-admin", cluster=True) for i in range(3)]
    yield "cluster/rbac/cluster-admins.yaml", docs
    yield "cluster/namespaces/system.yaml", [namespace(rng, ctx, n) for n in ("ingress-nginx", "cert-manager", "monitoring", "gatekeeper-system")]
    yield "cluster/policies/psp-restricted.yaml", [psp(rng, ctx, "restricted"), psp(rng, ctx, "privileged")]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--files", type=int, default=20000, help="number of files to write (default 20000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args(argv)
    n = args.files
    n_crds = 0 if n < 50 else max(1, round(n / 2000))
    out = args.out_dir
    if os.path.exists(out) and os.listdir(out):
        print(f"gen_corpus: {out} exists and is not empty", file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    stats = Stats()
    made_dirs = set()
    used_paths = set()
    frng = random.Random(f"{args.seed}:format")

    def write(rel, text, ndocs, kinds, is_json, mangle=True):
        if rel in used_paths:
            stem, ext = os.path.splitext(rel)
            i = 2
            while f"{stem}-{i}{ext}" in used_paths:
                i += 1
            rel = f"{stem}-{i}{ext}"
        used_paths.add(rel)
        path = os.path.join(out, rel)
        d = os.path.dirname(path)
        if d not in made_dirs:
            os.makedirs(d, exist_ok=True)
            made_dirs.add(d)
        if mangle and not is_json and frng.random() < 0.01:
            text = text.replace("\n", "\r\n")
        data = text.encode("utf-8")
        if mangle and not is_json and frng.random() < 0.003:
            data = b"\xef\xbb\xbf" + data
        with open(path, "wb") as f:
            f.write(data)
        stats.files += 1
        stats.docs += 1 if is_json else ndocs
        stats.resources += ndocs
        stats.bytes += len(data)
        stats.sizes.append(len(data))
        stats.json_files += is_json
        stats.multi_doc_files += ndocs > 1
        stats.max_depth = max(stats.max_depth, depth_of(rel))
        for k in kinds:
            stats.kinds[k] += 1
        return len(data)

    budget = n
    cluster = list(cluster_files(args.seed, n_crds)) if n >= 50 else []
    for rel, payload in cluster[:budget]:
        if isinstance(payload, str):
            size = write(rel, payload, 1, ["CustomResourceDefinition"], False, mangle=False)
            stats.crd_sizes.append(size)
        else:
            text, is_json = render(frng, payload, allow_json=False)
            write(rel, text, len(payload), [d["kind"] for d in payload], is_json)
        budget -= 1
    for rel, docs, opts in team_stream(args.seed):
        if budget <= 0:
            break
        text, is_json = render(frng, docs, sources=opts.get("sources"), helm=opts.get("helm", False),
                               allow_json=opts.get("allow_json", True))
        if is_json:
            rel = os.path.splitext(rel)[0] + ".json"
        write(rel, text, len(docs), [d["kind"] for d in docs], is_json)
        budget -= 1

    sizes = sorted(stats.sizes)

    def pct(p):
        return sizes[min(len(sizes) - 1, int(p / 100 * len(sizes)))] if sizes else 0

    in_1_6k = sum(1 for s in sizes if 1024 <= s <= 6 * 1024)
    print(f"corpus: {out}")
    print(f"files: {stats.files}  documents: {stats.docs}  resources: {stats.resources}  bytes: {stats.bytes} ({stats.bytes / 1e6:.1f} MB)")
    print(f"json files: {stats.json_files}  multi-document files: {stats.multi_doc_files}  max directory depth: {stats.max_depth}")
    print(f"file size p10/p50/p90/p99/max: {pct(10)} / {pct(50)} / {pct(90)} / {pct(99)} / {sizes[-1] if sizes else 0} bytes;"
          f" {100 * in_1_6k / max(1, len(sizes)):.0f}% of files are 1-6 KB")
    if stats.crd_sizes:
        print(f"CRDs: {len(stats.crd_sizes)} files, {min(stats.crd_sizes)}-{max(stats.crd_sizes)} bytes")
    print("kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.kinds.items(), key=lambda kv: (-kv[1], kv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
