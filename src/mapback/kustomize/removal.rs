//! Removals. An overlay's patch can take part of a resource away: a JSON 6902 `remove` (or a
//! `replace`, or the source of a `move`), a strategic-merge `$patch: delete` or
//! `$patch: replace`, a `key: null`, a list written without items the base lists. The
//! rendered object then lacks what its base still visibly sets, and a finding about that lack
//! belongs on the patch line that took it away, with the base's value as a related place.

use std::path::PathBuf;

use super::{Patch, pointer, shift};
use crate::load::{Document, NodeId};
use crate::mapback::{Place, Seg, follow_from};
use crate::span::Span;

/// A part of the resource that a patch removed or replaced.
#[derive(Debug, Clone)]
pub struct Removal {
    /// The patch's file, and the span of the operation in it.
    pub file: PathBuf,
    pub span: Span,
    /// Where in the resource the removed part was.
    pub path: Vec<Seg>,
    /// What was removed is the content of the node at `path`, which stays (a replacement).
    pub inside: bool,
}

/// The path of the node a finding at `place` is about: a finding on the `name:` key that
/// opens a list item (a container) is about the item.
pub fn subject(place: &Place) -> &[Seg] {
    let p = &place.path;
    match p.as_slice() {
        [.., Seg::Item { .. }, Seg::Key(k)] if place.on_key && k == "name" => &p[..p.len() - 1],
        _ => p,
    }
}

/// Whether two steps lead to the same place: equal keys, items of the same name, else of the
/// same index (a JSON pointer token names an item by its index).
fn same_step(a: &Seg, b: &Seg) -> bool {
    match (a, b) {
        (Seg::Key(x), Seg::Key(y)) => x == y,
        (
            Seg::Item {
                name: Some(x),
                index: _,
            },
            Seg::Item { name: Some(y), .. },
        ) => x == y,
        (Seg::Item { index: i, .. }, Seg::Item { index: j, .. }) => i == j,
        (Seg::Key(k), Seg::Item { index, .. }) | (Seg::Item { index, .. }, Seg::Key(k)) => {
            *k == index.to_string()
        }
    }
}

fn common_prefix(a: &[Seg], b: &[Seg]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| same_step(x, y)).count()
}

/// Whether a removal could make a finding about `subject`: it is in the same part of the
/// object (shares at least its first key) and not at or above the subject (the subject would
/// be gone, or a replacement wrote it, which is where the finding already goes).
pub fn below_or_beside(r: &Removal, subject: &[Seg]) -> bool {
    let shared = common_prefix(&r.path, subject);
    shared >= 1
        && (shared < r.path.len() || r.inside && shared == subject.len() && shared == r.path.len())
}

/// The removal closest to `subject`, the last applied among equals.
pub fn pick<'r>(removals: &'r [Removal], subject: &[Seg]) -> Option<&'r Removal> {
    removals
        .iter()
        .filter(|r| below_or_beside(r, subject))
        .max_by_key(|r| common_prefix(&r.path, subject))
}

/// The text of the resource's file without the part `r` removes, when that part takes whole
/// lines (a block-style entry or list item): the resource as it would be if that removal
/// were the overlay's only change. `None` when the part is not in the file or shares a line
/// with something else.
pub fn without(text: &str, d: &Document, root: NodeId, r: &Removal) -> Option<String> {
    let (node, depth, key) = follow_from(d, root, &r.path);
    if depth < r.path.len() || r.path.is_empty() {
        return None;
    }
    let start = key.map_or(d.span(node).start, |k| d.span(k).start);
    let end = d.span(node).end;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let first = start.line.checked_sub(1)? as usize;
    let last = if end.col == 0 && end.line > start.line {
        end.line - 2
    } else {
        end.line.checked_sub(1)?
    } as usize;
    let before: String = lines.get(first)?.chars().take(start.col as usize).collect();
    let opens_item = key.is_none() && before.trim() == "-";
    if !(before.trim().is_empty() || opens_item) {
        return None;
    }
    if end.col > 0 || end.line == start.line {
        let after: String = lines.get(last)?.chars().skip(end.col as usize).collect();
        // A flow collection's span may stop short of its closing bracket.
        let after = after.trim_start_matches([']', '}']).trim();
        if !(after.is_empty() || after.starts_with('#')) {
            return None;
        }
    }
    let mut out = lines[..first].concat();
    out.push_str(&lines.get(last + 1..)?.concat());
    Some(out)
}

/// The steps of a JSON pointer: numbers are list items.
fn steps_of(pointer_tokens: Vec<String>) -> Vec<Seg> {
    pointer_tokens
        .into_iter()
        .map(|t| match t.parse::<usize>() {
            Ok(index) => Seg::Item { index, name: None },
            Err(_) => Seg::Key(t),
        })
        .collect()
}

/// The first line of a list item (`- op: remove`): from the item's start to the end of its
/// first entry.
fn first_entry_span(d: &Document, item: NodeId) -> Span {
    let start = d.span(item).start;
    let end = d
        .entries(item)
        .next()
        .map(|e| d.span(e.value).end.max(d.span(e.key).end))
        .unwrap_or(start);
    Span { start, end }
}

/// The removals of a JSON 6902 patch (a list of operations).
pub fn json6902(d: &Document, root: NodeId, patch: &Patch, out: &mut Vec<Removal>) {
    for &op in d.items(root) {
        let kind = d.get_str(op, "op");
        let from = match kind {
            Some("remove" | "replace") => d.get_str(op, "path"),
            Some("move") => d.get_str(op, "from"),
            _ => None,
        };
        if let Some(p) = from {
            out.push(Removal {
                file: patch.file.clone(),
                span: shift(first_entry_span(d, op), patch),
                path: steps_of(pointer(p)),
                inside: kind == Some("replace"),
            });
        }
    }
}

/// What a strategic-merge walk carries along.
struct Walk<'a> {
    patch: &'a Patch,
    d: &'a Document,
    base: &'a Document,
    out: &'a mut Vec<Removal>,
}

impl Walk<'_> {
    fn push(&mut self, path: &[Seg], span: Span, inside: bool) {
        self.out.push(Removal {
            file: self.patch.file.clone(),
            span: shift(span, self.patch),
            path: path.to_vec(),
            inside,
        });
    }

    /// Walks the patch node `node` at `path`, next to the base's node there (if it has one).
    fn node(&mut self, node: NodeId, path: &mut Vec<Seg>, base: Option<NodeId>, at: Span) {
        let (d, b) = (self.d, self.base);
        if d.is_mapping(node) {
            self.mapping(node, path, base.filter(|&n| b.is_mapping(n)));
        } else if d.is_sequence(node) {
            let items = d.items(node);
            if items
                .iter()
                .any(|&i| d.is_mapping(i) && d.get_str(i, "name").is_some())
            {
                for (index, &i) in items.iter().enumerate() {
                    let name = d.get_str(i, "name");
                    let bi = base.filter(|&n| b.is_sequence(n)).and_then(|n| {
                        b.items(n)
                            .iter()
                            .copied()
                            .find(|&x| name.is_some() && b.get_str(x, "name") == name)
                    });
                    path.push(Seg::Item {
                        index,
                        name: name.map(str::to_string),
                    });
                    self.node(i, path, bi, d.span(i));
                    path.pop();
                }
            } else if let Some(bn) = base.filter(|&n| b.is_sequence(n)) {
                // A list of plain values has no merge key: the patch's list replaces the
                // base's, and what the base lists that the patch does not is removed.
                let kept: Vec<Option<&str>> = items.iter().map(|&i| d.scalar(i)).collect();
                if b.items(bn)
                    .iter()
                    .any(|&x| b.scalar(x).is_none_or(|s| !kept.contains(&Some(s))))
                {
                    self.push(path, at, true);
                }
            }
        }
    }

    fn mapping(&mut self, node: NodeId, path: &mut Vec<Seg>, base: Option<NodeId>) {
        let (d, b) = (self.d, self.base);
        for e in d.entries(node) {
            let key = d.scalar(e.key).unwrap_or_default();
            let entry = Span {
                start: d.span(e.key).start,
                end: d.span(e.value).end.max(d.span(e.key).end),
            };
            if key == "$patch" {
                match d.scalar(e.value) {
                    Some("delete") => self.push(path, entry, false),
                    Some("replace") => self.push(path, entry, true),
                    _ => {}
                }
                continue;
            }
            if key.starts_with('$') {
                continue;
            }
            let bv = base.and_then(|n| b.get(n, key));
            path.push(Seg::Key(key.to_string()));
            if d.is_null(e.value) {
                // `key: null` deletes the key: a removal when the base has it.
                if bv.is_some() {
                    self.push(path, entry, false);
                }
            } else {
                self.node(e.value, path, bv, entry);
            }
            path.pop();
        }
    }
}

/// The removals of a strategic-merge patch document whose root is `root`, judged against
/// the resource's own document `base` (rooted at `base_root`).
pub fn strategic(
    d: &Document,
    root: NodeId,
    patch: &Patch,
    base: (&Document, NodeId),
    out: &mut Vec<Removal>,
) {
    let mut walk = Walk {
        patch,
        d,
        base: base.0,
        out,
    };
    walk.mapping(root, &mut Vec::new(), Some(base.1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_text;
    use crate::span::Pos;

    fn patch(text: &str) -> Patch {
        Patch {
            file: "p.yaml".into(),
            text: text.to_string(),
            line_offset: 0,
            col_offset: 0,
            target_kind: None,
            target_name: None,
        }
    }

    fn key(k: &str) -> Seg {
        Seg::Key(k.into())
    }

    const BASE: &str = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        securityContext:\n          privileged: false\n          capabilities:\n            drop: [ALL]\n";

    fn strategic_of(text: &str) -> Vec<(u32, Vec<Seg>)> {
        let (b, p) = (load_text(BASE), load_text(text));
        let (bd, pd) = (&b.docs[0], &p.docs[0]);
        let mut out = Vec::new();
        strategic(
            pd,
            pd.root.unwrap(),
            &patch(text),
            (bd, bd.root.unwrap()),
            &mut out,
        );
        out.into_iter()
            .map(|r| (r.span.start.line, r.path))
            .collect()
    }

    fn container_path(rest: &[&str]) -> Vec<Seg> {
        let mut p = vec![key("spec"), key("template"), key("spec"), key("containers")];
        p.push(Seg::Item {
            index: 0,
            name: Some("app".into()),
        });
        p.extend(rest.iter().map(|k| key(k)));
        p
    }

    #[test]
    fn a_null_key_the_base_has_is_a_removal_and_one_it_lacks_is_not() {
        let r = strategic_of(
            "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        securityContext: null\n        resources: null\n",
        );
        assert_eq!(r, [(7, container_path(&["securityContext"]))]);
    }

    #[test]
    fn patch_directives_and_shortened_lists_are_removals() {
        let r = strategic_of(
            "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        securityContext:\n          $patch: replace\n          capabilities:\n            drop: [NET_RAW]\n",
        );
        assert_eq!(
            r,
            [
                (8, container_path(&["securityContext"])),
                (
                    10,
                    container_path(&["securityContext", "capabilities", "drop"])
                ),
            ]
        );
        let r = strategic_of(
            "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        $patch: delete\n",
        );
        assert_eq!(r, [(7, container_path(&[]))]);
    }

    #[test]
    fn json6902_removals_point_at_their_operation() {
        let text = "- op: add\n  path: /spec/x\n  value: 1\n- op: remove\n  path: /spec/template/spec/containers/0/securityContext\n";
        let l = load_text(text);
        let d = &l.docs[0];
        let mut out = Vec::new();
        json6902(d, d.root.unwrap(), &patch(text), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].span.start, Pos { line: 4, col: 2 });
        assert_eq!(out[0].span.end.line, 4);
        let subject = container_path(&[]);
        assert_eq!(
            pick(&out, &subject).map(|r| r.path.len()),
            Some(subject.len() + 1)
        );
    }

    #[test]
    fn the_closest_removal_is_picked_and_none_at_or_above_the_subject() {
        let r = |path: Vec<Seg>| Removal {
            file: "p".into(),
            span: Span::point(Pos { line: 1, col: 0 }),
            path,
            inside: false,
        };
        let subject = container_path(&[]);
        let removals = [
            r(vec![
                key("spec"),
                key("template"),
                key("spec"),
                key("securityContext"),
            ]),
            r(container_path(&["securityContext"])),
            r(vec![key("metadata"), key("labels")]),
        ];
        assert_eq!(pick(&removals, &subject).unwrap().path, removals[1].path);
        assert!(
            pick(&removals[2..], &subject).is_none(),
            "another part of the object"
        );
        let above = [r(vec![key("spec"), key("template")])];
        assert!(pick(&above, &subject).is_none());
    }

    #[test]
    fn without_takes_out_whole_lines_only() {
        let l = load_text(BASE);
        let d = &l.docs[0];
        let root = d.root.unwrap();
        let r = |path: Vec<Seg>| Removal {
            file: "p".into(),
            span: Span::point(Pos { line: 1, col: 0 }),
            path,
            inside: false,
        };
        let t = without(
            BASE,
            d,
            root,
            &r(container_path(&["securityContext", "privileged"])),
        );
        assert_eq!(
            t.as_deref(),
            Some(BASE.replace("          privileged: false\n", "").as_str())
        );
        let t = without(BASE, d, root, &r(container_path(&["securityContext"]))).unwrap();
        assert!(t.ends_with("      - name: app\n"), "{t}");
        let t = without(BASE, d, root, &r(container_path(&[]))).unwrap();
        assert!(t.ends_with("      containers:\n"), "{t}");
        // `drop: [ALL]` shares its line with nothing, but the items of a flow list do.
        let mut items = container_path(&["securityContext", "capabilities", "drop"]);
        items.push(Seg::Item {
            index: 0,
            name: None,
        });
        assert_eq!(without(BASE, d, root, &r(items)), None);
        assert_eq!(
            without(BASE, d, root, &r(container_path(&["resources"]))),
            None
        );
    }
}
