#!/usr/bin/env python3
"""Write one of the input shapes that once made keelhaul's cost grow faster than its input.

    python3 bench/shapes.py SHAPE N OUT_FILE
    python3 bench/shapes.py --list

N is the shape's size parameter (keys, items, documents, pods or lines, see SHAPES); doubling it
doubles the file, near enough. The output is deterministic. Standard library only.
"""

from __future__ import annotations

import json
import sys

HEADER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shape\n"


def merge_big(n: int) -> str:
    """One mapping merges an anchored mapping of N keys."""
    keys = "".join(f"    k{i}: v\n" for i in range(n))
    return f"{HEADER}base: &b\n{keys}data:\n  <<: *b\n  own: x\n"


MERGERS = 20


def merge_fanout(n: int) -> str:
    """An anchored mapping of N keys, merged by 20 mappings."""
    keys = "".join(f"    k{i}: v\n" for i in range(n))
    users = "".join(f"  m{j}:\n    <<: *b\n    own{j}: x\n" for j in range(MERGERS))
    return f"{HEADER}base: &b\n{keys}data:\n{users}"


def merge_chain(n: int) -> str:
    """An anchored mapping of N keys, then a chain of 20 mappings, each merging the one
    before and adding a key."""
    keys = "".join(f"    k{i}: v\n" for i in range(n))
    chain = "".join(
        f"  c{j}: &c{j}\n    <<: *{'b' if j == 0 else f'c{j - 1}'}\n    x{j}: v\n" for j in range(MERGERS)
    )
    return f"{HEADER}base: &b\n{keys}data:\n{chain}"


def flow_quoted(n: int) -> str:
    """A one-line flow sequence of N double-quoted scalars."""
    items = ", ".join(f'"a{i}"' for i in range(n))
    return f"{HEADER}items: [{items}]\n"


def helm_sources(n: int) -> str:
    """Rendered Helm output: N documents, each after a `# Source:` comment; every tenth a
    privileged Pod, so there are findings carrying their origin."""
    out = []
    for i in range(n):
        out.append(f"---\n# Source: chart/templates/t{i}.yaml\n")
        if i % 10 == 0:
            out.append(
                f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n"
                f"    - name: c\n      image: nginx:1.25\n      securityContext:\n"
                f"        privileged: true\n"
            )
        else:
            out.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: b\n")
    return "".join(out)


def json_list(n: int) -> str:
    """A one-line JSON List of N privileged Pods."""
    pod = lambda i: {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"p{i}", "namespace": "default"},
        "spec": {
            "containers": [
                {"name": "c", "image": "nginx:1.25", "securityContext": {"privileged": True}}
            ]
        },
    }
    doc = {"apiVersion": "v1", "kind": "List", "items": [pod(i) for i in range(n)]}
    return json.dumps(doc, separators=(",", ":")) + "\n"


def merge_many(n: int) -> str:
    """An anchored mapping of 1,000 keys merged by N mappings: past about 2,000 the expansion
    passes the alias budget (KH003), and what is left is reading the text."""
    keys = "".join(f"    k{i}: v\n" for i in range(1000))
    users = "".join(f"  m{j}: {{<<: *b}}\n" for j in range(n))
    return f"{HEADER}base: &b\n{keys}data:\n{users}"


def ignore_comments(n: int) -> str:
    """N `# keelhaul:ignore` comments alone on their lines, then one object."""
    return "# keelhaul:ignore KH101\n" * n + HEADER


def suppressed_pods(n: int) -> str:
    """N privileged Pods, each with a `# keelhaul:ignore` comment on its container (for a rule
    that does not fire there): findings and suppressions both grow with N."""
    return "".join(
        f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n"
        f"    # keelhaul:ignore KH301 -- not a binding\n"
        f"    - name: c\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n"
        for i in range(n)
    )


def file_reasons(n: int) -> str:
    """N `# keelhaul:ignore-file KH101` comments, each with its own reason, then N privileged
    Pods: every KH101 finding is covered by every comment."""
    comments = "".join(f"# keelhaul:ignore-file KH101 -- reason {i}\n" for i in range(n))
    pods = "".join(
        f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n"
        f"    - name: c\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n"
        for i in range(n)
    )
    return comments + pods


def lenient_quoted(n: int) -> str:
    """N documents, each with a quoted scalar continued on a line indented less than its block
    (which Kubernetes reads and the strict parser refuses, so the text is read again)."""
    return "".join(
        f'---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: "one\n two"\n'
        for i in range(n)
    )


def namespaces(n: int) -> str:
    """N Namespaces, each with one Pod that can reach the metadata endpoint: one KH401 finding
    per namespace, each anchored at its Namespace."""
    return "".join(
        f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns{i}\n---\napiVersion: v1\n"
        f"kind: Pod\nmetadata:\n  name: p{i}\n  namespace: ns{i}\nspec:\n  containers:\n"
        f"    - name: c\n      image: nginx:1.25\n"
        for i in range(n)
    )


def helm_render(n: int) -> str:
    """What a stand-in `helm template` prints for the chart `bench/doubling.sh` writes: N
    privileged Pods from one template, each finding mapped back to it."""
    return "".join(
        f"---\n# Source: chart/templates/pods.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n"
        f"  name: p{i}\nspec:\n  containers:\n    - name: c\n      image: nginx:1.25\n"
        f"      securityContext:\n        privileged: true\n"
        for i in range(n)
    )


def one_pod(n: int, annotation) -> str:
    """A Pod of N containers, with `annotation(i)` (a key and a value) for each."""
    notes = "".join(f"    {k}: {v}\n" for k, v in map(annotation, range(n)))
    containers = "".join(f"    - name: c{i}\n      image: nginx:1.25\n" for i in range(n))
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n{notes}"
        f"spec:\n  containers:\n{containers}"
    )


def container_annotations(n: int) -> str:
    """A Pod of N containers, each with its AppArmor and seccomp annotations."""
    return one_pod(
        n,
        lambda i: (f"container.apparmor.security.beta.kubernetes.io/c{i}", "runtime/default"),
    ).replace(
        "  annotations:\n",
        "  annotations:\n"
        + "".join(
            f"    container.seccomp.security.alpha.kubernetes.io/c{i}: runtime/default\n"
            for i in range(n)
        ),
        1,
    )


def ignore_annotations(n: int) -> str:
    """A Pod of N containers, each with a `keelhaul.dev/ignore.<container>` annotation."""
    return one_pod(n, lambda i: (f"keelhaul.dev/ignore.c{i}", "KH101 -- reason"))


def broken_documents(n: int) -> str:
    """N documents, each with a quoted scalar and a syntax error (KH001): reading starts again
    after each error."""
    return "".join(
        f'---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "c{i}"\ndata:\n  b: x: y\n'
        for i in range(n)
    )


def lenient_all(n: int) -> str:
    """N documents, each with every construct Kubernetes reads and the YAML 1.2 parser refuses
    (a tab after `:`, `\\'`, a comment right after a quote, a quoted scalar and a flow list
    continued below their block, a block scalar header below its key): rewritten, re-read."""
    return "".join(
        f'---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n'
        '  tab:\t"x"\n  escape: "it\\\'s"\n  note: "y"# z\n  quoted:\n  - "one\n two"\n'
        '  flow: [a,\n  b]\n  script:\n  |\n    echo\n'
        for i in range(n)
    )


def refused_parts(n: int) -> str:
    """2N documents, every other one refused by Kubernetes (a `\\/` escape) and read by the
    parser: the refused parts are dropped."""
    return "".join(
        f'--- # ok\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: "\\/"\n'
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d{i}\n"
        for i in range(n)
    )


def crlf_nel(n: int) -> str:
    """N documents with CRLF line ends and a NEL (a YAML 1.1 line break) in a comment: the
    text is prepared for the parser and every position moved back."""
    return "".join(
        f"---\r\napiVersion: v1\r\nkind: ConfigMap # a\u0085metadata:\r\n  name: c{i}\r\n"
        for i in range(n)
    )


def markers(n: int) -> str:
    """N lines of `---` (empty documents)."""
    return "---\n" * n


# name: (writer, N for the benchmark, what N counts)
SHAPES = {
    "merge_big": (merge_big, 400_000, "keys of the merged anchor"),
    "merge_fanout": (merge_fanout, 40_000, "keys of the anchor merged 20 times"),
    "merge_chain": (merge_chain, 40_000, "keys of the anchor at the head of a 20-merge chain"),
    "flow_quoted": (flow_quoted, 400_000, "quoted items on one line"),
    "helm_sources": (helm_sources, 40_000, "documents after # Source: comments"),
    "json_list": (json_list, 4_000, "privileged pods on one JSON line"),
    "merge_many": (merge_many, 4_000, "mappings merging a 1,000-key anchor"),
    "ignore_comments": (ignore_comments, 50_000, "keelhaul:ignore comment lines"),
    "suppressed_pods": (suppressed_pods, 5_000, "privileged pods with a suppression comment"),
    "file_reasons": (file_reasons, 8_000, "file-wide suppressions with distinct reasons, and pods"),
    "lenient_quoted": (lenient_quoted, 20_000, "documents re-read for an under-indented quoted scalar"),
    "namespaces": (namespaces, 8_000, "Namespaces with a pod each"),
    "helm_render": (helm_render, 16_000, "documents of a chart's render (mapped back)"),
    "container_annotations": (container_annotations, 8_000, "containers with AppArmor and seccomp annotations"),
    "ignore_annotations": (ignore_annotations, 8_000, "containers with a keelhaul.dev/ignore annotation"),
    "broken_documents": (broken_documents, 20_000, "documents with a syntax error each"),
    "markers": (markers, 1_000_000, "--- lines"),
    "lenient_all": (lenient_all, 10_000, "documents with every construct re-read for the parser"),
    "refused_parts": (refused_parts, 20_000, "pairs of documents, one refused by Kubernetes"),
    "crlf_nel": (crlf_nel, 40_000, "documents with CRLF line ends and a NEL"),
}


def main(argv: list[str]) -> int:
    if argv[1:] == ["--list"]:
        for name, (_, n, what) in SHAPES.items():
            print(f"{name} {n} {what}")
        return 0
    if len(argv) != 4 or argv[1] not in SHAPES:
        print(__doc__.strip(), file=sys.stderr)
        print("shapes: " + ", ".join(SHAPES), file=sys.stderr)
        return 2
    text = SHAPES[argv[1]][0](int(argv[2]))
    with open(argv[3], "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
