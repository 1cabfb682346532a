use super::*;

fn lines(ls: &[&str]) -> String {
    let mut s = ls.join("\n");
    s.push('\n');
    s
}

fn p(line: u32, col: u32) -> Pos {
    Pos { line, col }
}

fn sp(line: u32, a: u32, b: u32) -> Span {
    Span {
        start: p(line, a),
        end: p(line, b),
    }
}

fn arg<'a>(c: &'a AzCommand, flag: &str) -> &'a AzArg {
    c.args
        .iter()
        .find(|a| a.flag == flag)
        .unwrap_or_else(|| panic!("no {flag} in {c:#?}"))
}

fn val<'a>(c: &'a AzCommand, flag: &str) -> &'a AzValue {
    arg(c, flag)
        .value
        .as_ref()
        .unwrap_or_else(|| panic!("{flag} has no value in {c:#?}"))
}

fn flags(c: &AzCommand) -> Vec<&str> {
    c.args.iter().map(|a| a.flag.as_str()).collect()
}

fn lit(text: &str, span: Span) -> AzValue {
    AzValue {
        text: text.into(),
        span,
        literal: true,
    }
}

const ALL: [Dialect; 4] = [
    Dialect::Shell,
    Dialect::PowerShell,
    Dialect::Markdown,
    Dialect::Other,
];

#[test]
fn dialect_of_path() {
    let d = |s: &str| Dialect::of_path(Path::new(s));
    assert_eq!(d("deploy/create.sh"), Dialect::Shell);
    assert_eq!(d("x.BASH"), Dialect::Shell);
    assert_eq!(d("x.zsh"), Dialect::Shell);
    assert_eq!(d("x.ps1"), Dialect::PowerShell);
    assert_eq!(d("x.psm1"), Dialect::PowerShell);
    assert_eq!(d("README.md"), Dialect::Markdown);
    assert_eq!(d("doc.markdown"), Dialect::Markdown);
    assert_eq!(d(".github/workflows/aks.yml"), Dialect::Other);
    assert_eq!(d("Dockerfile"), Dialect::Other);
    assert_eq!(d("Makefile"), Dialect::Other);
}

#[test]
fn guidance_example() {
    // The `az aks` lines of the AKS guidance's examples/commands.sh, with their neighbours.
    let text = lines(&[
        "# Commands given by the guidance.",
        "az aks create -g myResourceGroup -n myManagedCluster --enable-managed-identity --network-plugin azure --network-policy azure",
        "az aks get-upgrades --resource-group myResourceGroup --name myAKSCluster --output table",
        "az aks upgrade --resource-group myResourceGroup --name myAKSCluster --kubernetes-version KUBERNETES_VERSION",
        "sudo apparmor_parser deny-write.profile",
        "kubectl apply -f ./aks-seccomp.yaml",
    ]);
    let cmds = find_commands(&text, Dialect::Shell);
    assert_eq!(cmds.len(), 3, "{cmds:#?}");

    let c = &cmds[0];
    assert_eq!(c.subcommand, "create");
    assert_eq!(c.span, sp(2, 0, 13));
    assert_eq!(c.end_line, 2);
    assert_eq!(
        flags(c),
        [
            "-g",
            "-n",
            "--enable-managed-identity",
            "--network-plugin",
            "--network-policy"
        ]
    );
    assert_eq!(arg(c, "-g").flag_span, sp(2, 14, 16));
    assert_eq!(val(c, "-g"), &lit("myResourceGroup", sp(2, 17, 32)));
    assert_eq!(arg(c, "--enable-managed-identity").value, None);
    assert_eq!(arg(c, "--enable-managed-identity").flag_span, sp(2, 53, 78));
    assert_eq!(val(c, "--network-plugin"), &lit("azure", sp(2, 96, 101)));
    assert_eq!(arg(c, "--network-policy").flag_span, sp(2, 102, 118));
    assert_eq!(val(c, "--network-policy"), &lit("azure", sp(2, 119, 124)));

    assert_eq!(cmds[1].subcommand, "get-upgrades");
    assert_eq!(cmds[1].span, sp(3, 0, 19));
    assert_eq!(val(&cmds[1], "--output").text, "table");

    let u = &cmds[2];
    assert_eq!(u.subcommand, "upgrade");
    assert_eq!(u.span, sp(4, 0, 14));
    assert_eq!(arg(u, "--kubernetes-version").flag_span, sp(4, 68, 88));
    // A bare upper-case word is none of the computed forms: the caller has to judge it.
    assert_eq!(
        val(u, "--kubernetes-version"),
        &lit("KUBERNETES_VERSION", sp(4, 89, 107))
    );
}

#[test]
fn multi_line_with_backslash() {
    let text = lines(&[
        "#!/bin/bash",
        "set -euo pipefail",
        "az aks create \\",
        "    --resource-group rg1 \\",
        "    --name aks1 \\",
        "    --enable-aad \\",
        "    --disable-local-accounts \\",
        "    --network-policy cilium",
        "echo done",
    ]);
    let cmds = find_commands(&text, Dialect::Shell);
    assert_eq!(cmds.len(), 1);
    let c = &cmds[0];
    assert_eq!(c.subcommand, "create");
    assert_eq!(c.span, sp(3, 0, 13));
    assert_eq!(c.end_line, 8);
    assert_eq!(
        flags(c),
        [
            "--resource-group",
            "--name",
            "--enable-aad",
            "--disable-local-accounts",
            "--network-policy"
        ]
    );
    assert_eq!(arg(c, "--resource-group").flag_span, sp(4, 4, 20));
    assert_eq!(val(c, "--resource-group"), &lit("rg1", sp(4, 21, 24)));
    assert_eq!(arg(c, "--enable-aad").flag_span, sp(6, 4, 16));
    assert_eq!(arg(c, "--enable-aad").value, None);
    assert_eq!(arg(c, "--disable-local-accounts").value, None);
    assert_eq!(arg(c, "--network-policy").flag_span, sp(8, 4, 20));
    assert_eq!(val(c, "--network-policy"), &lit("cilium", sp(8, 21, 27)));
}

#[test]
fn flag_equals_value() {
    let text = "az aks update -g rg -n c --network-policy=calico --api-server-authorized-ip-ranges='1.2.3.4/32,5.6.7.0/24' --tier=$TIER";
    let cmds = find_commands(text, Dialect::Shell);
    let c = &cmds[0];
    assert_eq!(c.subcommand, "update");
    let np = arg(c, "--network-policy");
    assert_eq!(np.flag_span, sp(1, 25, 41));
    assert_eq!(np.value, Some(lit("calico", sp(1, 42, 48))));
    let ip = arg(c, "--api-server-authorized-ip-ranges");
    assert_eq!(ip.flag_span, sp(1, 49, 82));
    // The value's span covers it as written, quotes included; a list stays one value.
    assert_eq!(ip.value, Some(lit("1.2.3.4/32,5.6.7.0/24", sp(1, 83, 106))));
    let tier = arg(c, "--tier");
    assert_eq!(tier.flag_span, sp(1, 107, 113));
    let v = tier.value.as_ref().unwrap();
    assert_eq!(
        (v.text.as_str(), v.span, v.literal),
        ("$TIER", sp(1, 114, 119), false)
    );
}

#[test]
fn quoted_values_with_spaces() {
    let text = r#"az aks create --name "my cluster" --tags 'team=a b' --query "[?name=='x']" --x "a\"b" -o "ts"'v'"#;
    let c = &find_commands(text, Dialect::Shell)[0];
    assert_eq!(val(c, "--name"), &lit("my cluster", sp(1, 21, 33)));
    assert_eq!(val(c, "--tags"), &lit("team=a b", sp(1, 41, 51)));
    assert_eq!(val(c, "--query").text, "[?name=='x']");
    assert_eq!(val(c, "--x").text, "a\"b");
    // Adjacent quoted parts make one word.
    assert_eq!(val(c, "-o"), &lit("tsv", sp(1, 89, 96)));
}

#[test]
fn computed_values_are_not_literal() {
    let text = concat!(
        "az aks create -g $RG -n \"${NAME}\" -k $(cat version.txt) --tier `get tier` ",
        "--network-policy ${{ vars.POLICY }} --x '${{ vars.X }}' -l %LOC% ",
        "--y <your-region> --z {cluster-name} --w '$NOT_EXPANDED' --v 'a b' --u 50%"
    );
    let c = &find_commands(text, Dialect::Shell)[0];
    for f in [
        "-g",
        "-n",
        "-k",
        "--tier",
        "--network-policy",
        "--x",
        "-l",
        "--y",
        "--z",
    ] {
        assert!(!val(c, f).literal, "{f} should be computed: {c:#?}");
    }
    assert_eq!(val(c, "-n").text, "${NAME}");
    assert_eq!(val(c, "-k").text, "$(cat version.txt)");
    assert_eq!(val(c, "--tier").text, "`get tier`");
    let np = val(c, "--network-policy");
    assert_eq!(np.text, "${{ vars.POLICY }}");
    assert_eq!(np.span, sp(1, 91, 109));
    assert_eq!(val(c, "--x").text, "${{ vars.X }}");
    assert_eq!(val(c, "--y").text, "<your-region>");
    // Single quotes keep `$` literal in a shell.
    assert_eq!(val(c, "--w").text, "$NOT_EXPANDED");
    assert!(val(c, "--w").literal);
    assert!(val(c, "--v").literal);
    assert!(val(c, "--u").literal);
}

#[test]
fn comment_after_a_continuation() {
    let text = lines(&[
        "az aks create \\",
        "  --name c1 \\",
        "  --network-policy azure # Azure NPM for now \\",
        "  --enable-aad",
        "az aks create \\",
        "  -n c2 \\",
        "  # --disable-local-accounts \\",
        "  --tier standard",
    ]);
    let cmds = find_commands(&text, Dialect::Shell);
    // As in a shell: a comment runs to the end of its line and a `\` inside it continues
    // nothing, so the command ends there; the next line is another (non-az) command.
    assert_eq!(cmds.len(), 2, "{cmds:#?}");
    assert_eq!(flags(&cmds[0]), ["--name", "--network-policy"]);
    assert_eq!(
        val(&cmds[0], "--network-policy"),
        &lit("azure", sp(3, 19, 24))
    );
    assert_eq!(cmds[0].end_line, 3);
    assert_eq!(cmds[1].span, sp(5, 0, 13));
    assert_eq!(flags(&cmds[1]), ["-n"]);
    assert_eq!(cmds[1].end_line, 6);
}

#[test]
fn two_commands_on_one_line() {
    let text = "az aks create -g rg -n a --network-policy none && az aks update -g rg -n a --enable-defender; az aks show -n a | jq .";
    let cmds = find_commands(text, Dialect::Shell);
    assert_eq!(cmds.len(), 3);
    assert_eq!(cmds[0].subcommand, "create");
    assert_eq!(flags(&cmds[0]), ["-g", "-n", "--network-policy"]);
    assert_eq!(
        val(&cmds[0], "--network-policy"),
        &lit("none", sp(1, 42, 46))
    );
    assert_eq!(cmds[1].subcommand, "update");
    assert_eq!(cmds[1].span, sp(1, 50, 63));
    assert_eq!(arg(&cmds[1], "--enable-defender").flag_span, sp(1, 75, 92));
    assert_eq!(arg(&cmds[1], "--enable-defender").value, None);
    assert_eq!(cmds[2].subcommand, "show");
    assert_eq!(flags(&cmds[2]), ["-n"]);
}

#[test]
fn powershell_backtick_continuation() {
    let text = lines(&[
        "$rg = \"rg1\"",
        "az aks create `",
        "    --resource-group $rg `",
        "    --name 'aks one' `",
        "    --network-policy \"calico\" `",
        "    --tier $env:TIER `",
        "    --k8s-support-plan \"Kubernetes`\"Official\" # note",
        "& az aks nodepool add --cluster-name c -n np2",
    ]);
    let cmds = find_commands(&text, Dialect::PowerShell);
    assert_eq!(cmds.len(), 2, "{cmds:#?}");
    let c = &cmds[0];
    assert_eq!(c.span, sp(2, 0, 13));
    assert_eq!(c.end_line, 7);
    assert!(!val(c, "--resource-group").literal);
    assert_eq!(val(c, "--name"), &lit("aks one", sp(4, 11, 20)));
    assert_eq!(arg(c, "--network-policy").flag_span, sp(5, 4, 20));
    assert_eq!(val(c, "--network-policy"), &lit("calico", sp(5, 21, 29)));
    assert_eq!(val(c, "--tier").text, "$env:TIER");
    assert!(!val(c, "--tier").literal);
    assert_eq!(val(c, "--k8s-support-plan").text, "Kubernetes\"Official");
    let np = &cmds[1];
    assert_eq!(np.subcommand, "nodepool add");
    assert_eq!(np.span, sp(8, 2, 21));
    assert_eq!(flags(np), ["--cluster-name", "-n"]);
}

#[test]
fn powershell_does_not_continue_on_backslash() {
    let text = lines(&[
        "az aks create --name c:\\x\\",
        "--tier free",
        "az aks update -n c \\",
        "--tier free",
    ]);
    let cmds = find_commands(&text, Dialect::PowerShell);
    assert_eq!(cmds.len(), 2);
    assert_eq!(val(&cmds[0], "--name").text, "c:\\x\\");
    assert_eq!(flags(&cmds[1]), ["-n"]);
    assert_eq!(val(&cmds[1], "-n").text, "c");
}

#[test]
fn markdown_fences_only() {
    let text = lines(&[
        "# Create the cluster",
        "",
        "Run `az aks create --network-policy none` to create it; az aks create is the command.",
        "",
        "```yaml",
        "steps:",
        "  - run: az aks update -g rg -n c --enable-azure-rbac",
        "```",
        "",
        "az aks create --name outside",
        "",
        "```bash",
        "az aks create \\",
        "    --resource-group myResourceGroup \\",
        "    --name myAKSCluster \\",
        "    --network-policy cilium",
        "```",
        "",
        "```azurepowershell",
        "az aks update `",
        "  --name c `",
        "  --tier standard",
        "```",
        "",
        "```azurecli-interactive",
        "az aks create \\",
        "```",
        "--name not-in-the-block",
    ]);
    let cmds = find_commands(&text, Dialect::Markdown);
    assert_eq!(cmds.len(), 4, "{cmds:#?}");
    assert_eq!(cmds[0].subcommand, "update");
    assert_eq!(cmds[0].span, sp(7, 9, 22));
    assert_eq!(
        arg(&cmds[0], "--enable-azure-rbac").flag_span,
        sp(7, 34, 53)
    );
    assert_eq!(cmds[1].subcommand, "create");
    assert_eq!(cmds[1].span, sp(13, 0, 13));
    assert_eq!(cmds[1].end_line, 16);
    assert_eq!(
        val(&cmds[1], "--name"),
        &lit("myAKSCluster", sp(15, 11, 23))
    );
    assert_eq!(
        val(&cmds[1], "--network-policy"),
        &lit("cilium", sp(16, 21, 27))
    );
    assert_eq!(cmds[2].subcommand, "update");
    assert_eq!(cmds[2].end_line, 22);
    assert_eq!(val(&cmds[2], "--tier"), &lit("standard", sp(22, 9, 17)));
    // A dangling continuation stops at the closing fence.
    assert_eq!(cmds[3].span, sp(26, 0, 13));
    assert!(cmds[3].args.is_empty());
    assert_eq!(cmds[3].end_line, 26);
}

#[test]
fn markdown_indented_and_quoted_fences() {
    let text = lines(&[
        "1. Create:",
        "",
        "   ~~~~console",
        "   $ az aks create -n c --tier free",
        "   ~~~~",
        "> ```sh",
        "> az aks update -n c \\",
        ">   --tier standard",
        "> ```",
        "",
        "````md",
        "```bash",
        "az aks create -n nested",
        "```",
        "````",
    ]);
    let cmds = find_commands(&text, Dialect::Markdown);
    assert_eq!(cmds.len(), 3, "{cmds:#?}");
    assert_eq!(cmds[0].span, sp(4, 5, 18));
    assert_eq!(val(&cmds[0], "--tier"), &lit("free", sp(4, 31, 35)));
    assert_eq!(cmds[1].span, sp(7, 2, 15));
    assert_eq!(val(&cmds[1], "--tier"), &lit("standard", sp(8, 11, 19)));
    assert_eq!(cmds[2].span, sp(13, 0, 13));
}

#[test]
fn workflow_run_block() {
    let text = lines(&[
        "name: aks",
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - name: Create cluster",
        "        run: |",
        "          az aks create \\",
        "            --resource-group ${{ vars.RG }} \\",
        "            --name \"${{ vars.CLUSTER }}\" \\",
        "            --auto-upgrade-channel patch \\",
        "            --node-os-upgrade-channel None",
        "          echo created",
        "      - run: az aks nodepool update -g rg --cluster-name c -n np --max-surge 33%",
        "      - run: echo az aks create --name not-a-command",
    ]);
    let cmds = find_commands(&text, Dialect::Other);
    assert_eq!(cmds.len(), 2, "{cmds:#?}");
    let c = &cmds[0];
    assert_eq!(c.span, sp(9, 10, 23));
    assert_eq!(c.end_line, 13);
    let rg = val(c, "--resource-group");
    assert_eq!(rg.text, "${{ vars.RG }}");
    assert_eq!(rg.span, sp(10, 29, 43));
    assert!(!rg.literal);
    assert_eq!(val(c, "--name").span, sp(11, 19, 40));
    assert!(!val(c, "--name").literal);
    assert_eq!(
        val(c, "--auto-upgrade-channel"),
        &lit("patch", sp(12, 35, 40))
    );
    assert_eq!(
        arg(c, "--node-os-upgrade-channel").flag_span,
        sp(13, 12, 37)
    );
    assert_eq!(
        val(c, "--node-os-upgrade-channel"),
        &lit("None", sp(13, 38, 42))
    );
    let np = &cmds[1];
    assert_eq!(np.subcommand, "nodepool update");
    assert_eq!(np.span, sp(15, 13, 35));
    assert_eq!(val(np, "--max-surge"), &lit("33%", sp(15, 77, 80)));
}

#[test]
fn prefixes_and_command_position() {
    let text = lines(&[
        "sudo az aks create -n a",
        "$ az aks create -n b",
        "PS C:\\work> az aks create -n c",
        "RG=x az aks create -n d",
        "if az aks show -n e; then az aks create -n f; fi",
        "echo az aks create -n g",
        "az aksx create -n g",
        "az acr create -n h",
        "RUN az aks create -n i",
        "\t@az aks create -n j",
        "\"az\" aks create -n k",
    ]);
    let cmds = find_commands(&text, Dialect::Other);
    let names: Vec<&str> = cmds.iter().map(|c| val(c, "-n").text.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e", "f", "i", "j", "k"]);
    assert_eq!(cmds[1].span.start, p(2, 2));
    assert_eq!(cmds[2].span.start, p(3, 12));
    assert_eq!(cmds[7].span, sp(10, 2, 15));
}

#[test]
fn subcommands() {
    let text = lines(&[
        "az aks maintenanceconfiguration add -g rg --cluster-name c --name aksManagedNodeOSUpgradeSchedule --schedule-type Weekly",
        "az aks get-credentials -g rg -n c --admin",
        "az aks",
        "az aks create $EXTRA_ARGS --tier free",
        "az \\",
        "  aks \\",
        "  nodepool \\",
        "  upgrade -k 1.33",
    ]);
    let cmds = find_commands(&text, Dialect::Shell);
    assert_eq!(cmds.len(), 5);
    assert_eq!(cmds[0].subcommand, "maintenanceconfiguration add");
    assert_eq!(cmds[0].span, sp(1, 0, 35));
    assert_eq!(
        val(&cmds[0], "--name").text,
        "aksManagedNodeOSUpgradeSchedule"
    );
    assert_eq!(cmds[1].subcommand, "get-credentials");
    assert_eq!(arg(&cmds[1], "--admin").value, None);
    assert_eq!(cmds[2].subcommand, "");
    assert_eq!(cmds[2].span, sp(3, 0, 6));
    assert_eq!(cmds[3].subcommand, "create");
    assert_eq!(flags(&cmds[3]), ["--tier"]);
    assert_eq!(cmds[4].subcommand, "nodepool upgrade");
    assert_eq!(
        cmds[4].span,
        Span {
            start: p(5, 0),
            end: p(8, 9)
        }
    );
    assert_eq!(cmds[4].end_line, 8);
    assert_eq!(val(&cmds[4], "-k"), &lit("1.33", sp(8, 13, 17)));
}

#[test]
fn redirections_and_heredocs() {
    let text = lines(&[
        "az aks create -n c --enable-aad > out.json 2>&1 --tier free",
        "cat <<EOF > script.sh",
        "az aks create -n in-heredoc",
        "EOF",
        "az aks create -n after 2>/dev/null",
        "cat <<-'END'",
        "\taz aks create -n in-heredoc-too",
        "\tEND",
        "x=1 <<: not a heredoc",
        "az aks update -n last",
    ]);
    let cmds = find_commands(&text, Dialect::Shell);
    let names: Vec<&str> = cmds.iter().map(|c| val(c, "-n").text.as_str()).collect();
    assert_eq!(names, ["c", "after", "last"], "{cmds:#?}");
    assert_eq!(arg(&cmds[0], "--enable-aad").value, None);
    assert_eq!(val(&cmds[0], "--tier").text, "free");
}

#[test]
fn expansions_with_spaces_stay_one_word() {
    let text = "az aks create -n $(terraform output -raw \"cluster name\") -k \"$(jq -r '.k8s | .v' v.json)\" --tier ${TIER:-free tier} --x y";
    let c = &find_commands(text, Dialect::Shell)[0];
    assert_eq!(flags(c), ["-n", "-k", "--tier", "--x"]);
    assert_eq!(
        val(c, "-n").text,
        "$(terraform output -raw \"cluster name\")"
    );
    assert!(!val(c, "-k").literal);
    assert_eq!(val(c, "--tier").text, "${TIER:-free tier}");
    assert_eq!(val(c, "--x").text, "y");
}

#[test]
fn commands_inside_substitutions() {
    let text = lines(&[
        "AKS_ID=$(az aks create -g rg -n c --network-policy azure --query id -o tsv)",
        "az aks update --name \"$(az aks list --query '[0].name' -o tsv)\" --tier free",
        "N=$((1 + 2)) az aks show -n $N",
    ]);
    let cmds = find_commands(&text, Dialect::Shell);
    assert_eq!(cmds.len(), 4, "{cmds:#?}");
    assert_eq!(cmds[0].span, sp(1, 9, 22));
    assert_eq!(
        val(&cmds[0], "--network-policy"),
        &lit("azure", sp(1, 51, 56))
    );
    assert_eq!(cmds[0].end_line, 1);
    // In the order they start.
    assert_eq!(cmds[1].subcommand, "update");
    assert!(!val(&cmds[1], "--name").literal);
    assert_eq!(cmds[2].subcommand, "list");
    assert_eq!(cmds[2].span, sp(2, 24, 35));
    assert_eq!(val(&cmds[2], "-o").text, "tsv");
    assert_eq!(cmds[3].subcommand, "show");
}

#[test]
fn columns_count_code_points() {
    let text = "echo \"héllo ✓\"; az aks create --name ünï --tier free";
    let c = &find_commands(text, Dialect::Shell)[0];
    assert_eq!(c.span, sp(1, 16, 29));
    assert_eq!(val(c, "--name"), &lit("ünï", sp(1, 37, 40)));
    assert_eq!(arg(c, "--tier").flag_span, sp(1, 41, 47));
}

#[test]
fn crlf_and_trailing_space_after_backslash() {
    let text = "az aks create \\ \r\n  --name c\r\n";
    let cmds = find_commands(text, Dialect::Shell);
    assert_eq!(cmds.len(), 1);
    assert_eq!(val(&cmds[0], "--name"), &lit("c", sp(2, 9, 10)));
    assert_eq!(cmds[0].end_line, 2);
}

#[test]
fn powershell_comments_and_here_strings() {
    let text = lines(&[
        "<# az aks create -n in-comment",
        "az aks create -n still-in-comment #>",
        "$s = @\"",
        "az aks create -n in-here-string",
        "\"@",
        "az aks create -n real <# inline #> --tier free",
    ]);
    let cmds = find_commands(&text, Dialect::PowerShell);
    assert_eq!(cmds.len(), 1, "{cmds:#?}");
    assert_eq!(val(&cmds[0], "-n").text, "real");
    assert_eq!(val(&cmds[0], "--tier"), &lit("free", sp(6, 42, 46)));
}

#[test]
fn never_panics() {
    let nasty = [
        "",
        "\n",
        "az",
        "az aks",
        "az aks create -",
        "az aks create --",
        "az aks create --x=",
        "az aks create --x='",
        "az aks create --x=\"abc\\",
        "az aks create $",
        "az aks create ${",
        "az aks create $(",
        "az aks create `",
        "az aks create <",
        "az aks create <a",
        "az aks create <<",
        "az aks create <<<",
        "az aks create \\",
        "az aks create @",
        "az aks create @(",
        "az aks create --x \"$(\"",
        "```",
        "```\naz aks create `",
        "> ```\n> az aks create -n x\n",
        "PS ",
        "PS x",
        "PS>",
        "$ ",
        "> ",
        "=",
        "-=x",
        "az aks create -=x =y",
        "\u{feff}az aks create -n x",
        "az aks create \"\u{1F600}\" --n \u{1F600}",
    ];
    for d in ALL {
        for t in nasty {
            let _ = find_commands(t, d);
            let _ = find_commands(&format!("```\n{t}\n```"), d);
            let _ = find_commands(&format!("```powershell\n{t}\n```"), d);
        }
    }
    // Every prefix of a text full of constructs, in every dialect.
    let text = "```bash\naz aks create -g \"a b\" --x='${{ y }}' $(z \"(\" ) `q` <p> %v% \\\n  -n c # d\n```\n<# x #> @\"\n\"@ & az aks update `\n -n 'x''y' \"a`\"b\" *>&1 >> f <<E\nE\n";
    let chars: Vec<char> = text.chars().collect();
    for k in 0..=chars.len() {
        let t: String = chars[..k].iter().collect();
        for d in ALL {
            let _ = find_commands(&t, d);
        }
    }
}

#[test]
fn long_inputs_are_linear() {
    let mut text = String::new();
    for _ in 0..20_000 {
        text.push_str("az aks create \\\n  --name x --tier free\n");
    }
    assert_eq!(find_commands(&text, Dialect::Shell).len(), 20_000);
    let long = "<a ".repeat(100_000) + &"$(".repeat(100_000) + &"\"".repeat(100_001);
    for d in ALL {
        let _ = find_commands(&format!("az aks create {long}"), d);
        let _ = find_commands(&format!("```\naz aks create {long}"), d);
    }
    let _ = find_commands(&"`".repeat(300_000), Dialect::Markdown);
    let _ = find_commands(&"%{<".repeat(100_000), Dialect::Shell);
    let deep = "$(az aks create ".repeat(50_000) + &")".repeat(50_000);
    assert_eq!(find_commands(&deep, Dialect::Shell).len(), 3);
}
