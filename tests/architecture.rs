//! Architecture rules for the `btyd` sources: layering between the library's top-level modules,
//! and no import cycles between the library's files.
//!
//! The test reads every `.rs` file under `src/` and checks the imports it finds there. It is
//! plain Rust (std only): a small tokenizer, not a full parser.
//!
//! # Layers
//!
//! Every top-level module of the library (a file `src/x.rs` or a folder `src/x/`) has a layer,
//! and a layer may only import the layers listed for it in [`LAYERS`]:
//!
//! | layer      | may import                                        |
//! |------------|---------------------------------------------------|
//! | `special`  | nothing else                                      |
//! | `data`     | special                                           |
//! | `models`   | special, data                                     |
//! | `fit`      | models, data, special                             |
//! | `predict`  | models, data, special (not fit)                   |
//! | `simulate` | models, data, special (predict's level)           |
//! | `validate` | fit, predict, simulate, models, data, special     |
//! | `decide`   | validate and every layer below it                 |
//! | `io`       | every library layer (never cli, never the prelude)|
//! | `cli`      | anything (the binary: `src/main.rs`, `src/cli/`)  |
//!
//! In addition:
//! - The crate-root utilities `error` and `hash` ([`UTILITIES`]) may be used by everyone; they
//!   may only use each other.
//! - Root items re-exported by `lib.rs` (`crate::Error`, `crate::Result`, ...) may be used by
//!   everyone. A root name that `lib.rs` re-exports from a module (`pub use io::ModelFile`)
//!   counts as an import of that module, so re-exports cannot launder a layer violation.
//! - A `prelude` module may import anything of the library, but nothing in the library may
//!   import the prelude (only the binary, i.e. the cli layer, and users of the crate may).
//! - `lib.rs` itself may import anything (it declares and re-exports the modules).
//! - A top-level module without a layer (a new `src/foo.rs`) is reported: give it a layer in
//!   [`LAYERS`] below.
//! - `io` converts values to and from files; it must not run the fitting driver. A file under
//!   `src/io/` may not (a) import or name `crate::fit::fit`, `crate::fit::fit_model` or
//!   `crate::fit::fit_summary` ([`FIT_DRIVER`]), (b) call such an imported item (`fit(...)`, or
//!   its `as` alias), (c) mention the identifiers `fit_model` or `fit_summary` anywhere in its
//!   code, or (d) write `fit::fit`. Other items of `crate::fit` (`FitOptions`, `Fitted`) are
//!   allowed: they are values io converts.
//!
//! # Import cycles
//!
//! The library's files form a graph: a file points to every file it imports from. A path is
//! resolved to the file that defines the longest prefix of the path that is a module
//! (`src/a/b.rs` or `src/a/b/mod.rs`, or an inline `mod b { .. }`): `crate::data::History`
//! resolves to `src/data/mod.rs`, `crate::data::time::parse_date_arg` to `src/data/time.rs`.
//! Every strongly connected set of files is reported, as each of its elementary cycles.
//!
//! - `mod x;` declarations are not imports (a parent declaring its child is no edge).
//! - `pub use child::Item` (any `pub(..)` re-export) of a module's own descendant is the module's
//!   facade, not a dependency of its code, and is no edge; a child's `use super::Item` is an
//!   edge, and so is a parent's private `use child::Item` or a call `child::f()`.
//! - Imports of a file's own items (`self::X`, `crate::<own module>::X`) are no edge.
//!
//! # What counts as an import
//!
//! `use` declarations (nested braces, `self`, `super::`, `super::super::`, `crate::`, `as`,
//! globs, and paths relative to the current module such as `use child::X`) and path expressions
//! in code starting with `crate::`, `self::`, `super::`, `$crate::`, a child module's name, or
//! `btyd::` (in the binary). Comments (including doc comments such as `//! [`crate::fit`]`),
//! string, char and raw-string literals are skipped.
//!
//! Items under `#[cfg(test)]` (unit-test modules, test-only functions or imports; a file with
//! `#![cfg(test)]` entirely) are skipped: test code may import freely, for example `io` helpers
//! in a model's tests. Only the exact attribute `#[cfg(test)]` is recognised.
//!
//! Files reached from `src/main.rs` through `mod` declarations form the binary (layer cli);
//! every other file under `src/` (except `src/bin/`, other binaries) is the library. `#[path]`
//! attributes are not supported.
//!
//! The checker is unit-tested below on small in-memory file sets, and the real-tree test also
//! asserts that it found a plausible number of files and imports.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------

/// Each library layer and the other layers it may import (besides itself and [`UTILITIES`]).
const LAYERS: &[(&str, &[&str])] = &[
    ("special", &[]),
    ("data", &["special"]),
    ("models", &["special", "data"]),
    ("fit", &["models", "data", "special"]),
    ("predict", &["models", "data", "special"]),
    ("simulate", &["models", "data", "special"]),
    (
        "validate",
        &["fit", "predict", "simulate", "models", "data", "special"],
    ),
    (
        "decide",
        &[
            "validate", "fit", "predict", "simulate", "models", "data", "special",
        ],
    ),
    (
        "io",
        &[
            "decide", "validate", "fit", "predict", "simulate", "models", "data", "special",
        ],
    ),
];

/// Crate-root utilities: anyone may use them; they may only use each other.
const UTILITIES: &[&str] = &["error", "hash"];

/// May import anything of the library; nothing in the library may import it.
const PRELUDE: &str = "prelude";

/// The binary's layer: may import anything; the library may never import it.
const CLI: &str = "cli";

/// Items of `crate::fit` that run the fitting driver, forbidden under `src/io/`.
const FIT_DRIVER: &[&str] = &["fit", "fit_model", "fit_summary"];

/// Identifiers forbidden anywhere in the code under `src/io/`.
const FIT_DRIVER_IDENTS: &[&str] = &["fit_model", "fit_summary"];

fn is_known_layer(name: &str) -> bool {
    name == PRELUDE
        || name == CLI
        || UTILITIES.contains(&name)
        || LAYERS.iter().any(|(layer, _)| *layer == name)
}

/// Whether layer `importer` may import layer `target`.
fn layer_allows(importer: &str, target: &str) -> bool {
    if importer == target || UTILITIES.contains(&target) {
        return true;
    }
    if importer == CLI {
        return true;
    }
    if importer == PRELUDE {
        return target != CLI;
    }
    if target == PRELUDE || target == CLI {
        return false;
    }
    LAYERS
        .iter()
        .find(|(layer, _)| *layer == importer)
        .is_some_and(|(_, allowed)| allowed.contains(&target))
}

// ---------------------------------------------------------------------------------------------
// Tokenizer: identifiers, `::`, single-character punctuation and opaque literals; comments and
// the contents of literals are dropped.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    Punct,
    Literal,
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    text: String,
    line: usize,
}

impl Token {
    fn is(&self, s: &str) -> bool {
        self.kind != Kind::Literal && self.text == s
    }

    fn is_ident(&self) -> bool {
        self.kind == Kind::Ident
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Skips a `"..."` literal starting at `c[i] == '"'`; returns the index after it.
fn skip_quoted(c: &[char], i: usize, line: &mut usize) -> usize {
    let mut j = i + 1;
    while j < c.len() {
        match c[j] {
            '\\' => {
                if c.get(j + 1) == Some(&'\n') {
                    *line += 1;
                }
                j += 2;
            }
            '"' => return j + 1,
            '\n' => {
                *line += 1;
                j += 1;
            }
            _ => j += 1,
        }
    }
    c.len()
}

/// Skips a raw string `#*"..."#*` starting after its `r`/`br`/`cr` prefix.
fn skip_raw(c: &[char], i: usize, line: &mut usize) -> usize {
    let mut j = i;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    j += 1; // the opening quote
    while j < c.len() {
        if c[j] == '\n' {
            *line += 1;
        }
        if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
            return j + 1 + hashes;
        }
        j += 1;
    }
    c.len()
}

/// Skips a char literal at `c[i] == '\''` if there is one (`'x'`, `'\n'`, `'\u{1F600}'`);
/// returns `None` for a lifetime or label.
fn skip_char_literal(c: &[char], i: usize) -> Option<usize> {
    if c.get(i + 1) == Some(&'\\') {
        let mut j = i + 3;
        while j < c.len() && c[j] != '\'' && c[j] != '\n' {
            j += 1;
        }
        Some(j + 1)
    } else if c.get(i + 2) == Some(&'\'') && c.get(i + 1) != Some(&'\n') {
        Some(i + 3)
    } else {
        None
    }
}

fn tokenize(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let n = c.len();
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    let mut toks = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < n {
        let ch = c[i];
        let start_line = line;
        let mut push = |kind: Kind, text: String| {
            toks.push(Token {
                kind,
                text,
                line: start_line,
            })
        };
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < n && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0usize;
            while i < n {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_quoted(&c, i, &mut line);
            push(Kind::Literal, "\"\"".into());
        } else if ch == '\'' {
            match skip_char_literal(&c, i) {
                Some(end) => {
                    i = end;
                    push(Kind::Literal, "''".into());
                }
                None => {
                    // A lifetime or a label: not a path, dropped.
                    i += 1;
                    while i < n && is_ident_continue(c[i]) {
                        i += 1;
                    }
                }
            }
        } else if is_ident_start(ch) {
            let s = i;
            while i < n && is_ident_continue(c[i]) {
                i += 1;
            }
            let mut word: String = c[s..i].iter().collect();
            let raw_string_follows =
                at(i) == '"' || (at(i) == '#' && (at(i + 1) == '"' || at(i + 1) == '#'));
            if matches!(word.as_str(), "r" | "br" | "cr") && raw_string_follows {
                i = skip_raw(&c, i, &mut line);
                push(Kind::Literal, "\"\"".into());
                continue;
            }
            if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                i = skip_quoted(&c, i, &mut line);
                push(Kind::Literal, "\"\"".into());
                continue;
            }
            if word == "b" && at(i) == '\'' {
                if let Some(end) = skip_char_literal(&c, i) {
                    i = end;
                    push(Kind::Literal, "''".into());
                    continue;
                }
            }
            if word == "r" && at(i) == '#' && is_ident_start(at(i + 1)) {
                // Raw identifier `r#name`.
                i += 1;
                let s2 = i;
                while i < n && is_ident_continue(c[i]) {
                    i += 1;
                }
                word = c[s2..i].iter().collect();
            }
            push(Kind::Ident, word);
        } else if ch.is_ascii_digit() {
            while i < n && is_ident_continue(c[i]) {
                i += 1;
            }
            push(Kind::Literal, "0".into());
        } else if ch == ':' && at(i + 1) == ':' {
            push(Kind::Punct, "::".into());
            i += 2;
        } else {
            push(Kind::Punct, ch.to_string());
            i += 1;
        }
    }
    toks
}

// ---------------------------------------------------------------------------------------------
// `#[cfg(test)]` removal
// ---------------------------------------------------------------------------------------------

/// Matches `#[cfg(test)]` or `#![cfg(test)]` at `i`: (inner, index after the `]`).
fn cfg_test_attr(t: &[Token], i: usize) -> Option<(bool, usize)> {
    if !t[i].is("#") {
        return None;
    }
    let mut j = i + 1;
    let inner = t.get(j).is_some_and(|x| x.is("!"));
    if inner {
        j += 1;
    }
    let pattern = ["[", "cfg", "(", "test", ")", "]"];
    for (k, want) in pattern.iter().enumerate() {
        if !t.get(j + k).is_some_and(|x| x.is(want)) {
            return None;
        }
    }
    Some((inner, j + pattern.len()))
}

/// Index after the bracketed group opening at `t[i]`.
fn skip_balanced(t: &[Token], mut i: usize) -> usize {
    let mut depth = 0isize;
    while i < t.len() {
        if t[i].is("(") || t[i].is("[") || t[i].is("{") {
            depth += 1;
        } else if t[i].is(")") || t[i].is("]") || t[i].is("}") {
            depth -= 1;
            if depth <= 0 {
                return i + 1;
            }
        }
        i += 1;
    }
    i
}

const ITEM_KEYWORDS: &[&str] = &[
    "fn",
    "impl",
    "struct",
    "enum",
    "union",
    "mod",
    "use",
    "const",
    "static",
    "trait",
    "type",
    "pub",
    "unsafe",
    "extern",
    "async",
    "macro_rules",
];

/// Index after the item (or statement, field, arm) starting at `i`, after an attribute.
fn skip_item(t: &[Token], mut i: usize) -> usize {
    while i + 1 < t.len() && t[i].is("#") && t[i + 1].is("[") {
        i = skip_balanced(t, i + 1);
    }
    let item_like = t
        .get(i)
        .is_some_and(|x| x.is_ident() && ITEM_KEYWORDS.contains(&x.text.as_str()));
    let mut depth = 0isize;
    while i < t.len() {
        let x = &t[i];
        if x.is("(") || x.is("[") || x.is("{") {
            depth += 1;
        } else if x.is(")") || x.is("]") || x.is("}") {
            depth -= 1;
            if depth < 0 {
                return i; // the end of the enclosing block or list: keep it
            }
            if depth == 0 && x.is("}") {
                return i + 1;
            }
        } else if depth == 0 && (x.is(";") || (!item_like && x.is(","))) {
            return i + 1;
        }
        i += 1;
    }
    i
}

/// Drops every item under `#[cfg(test)]`; an inner `#![cfg(test)]` drops its whole scope.
fn strip_cfg_test(t: &[Token]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < t.len() {
        if let Some((inner, after)) = cfg_test_attr(t, i) {
            if !inner {
                i = skip_item(t, after);
                continue;
            }
            if depth == 0 {
                return Vec::new();
            }
            let mut d = 0usize;
            i = after;
            while i < t.len() {
                if t[i].is("{") {
                    d += 1;
                } else if t[i].is("}") {
                    if d == 0 {
                        break;
                    }
                    d -= 1;
                }
                i += 1;
            }
            continue;
        }
        if t[i].is("{") {
            depth += 1;
        } else if t[i].is("}") {
            depth = depth.saturating_sub(1);
        }
        out.push(t[i].clone());
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Per-file parsing: `mod` declarations, `use` trees and path expressions, as written
// ---------------------------------------------------------------------------------------------

/// A path as written in one file.
#[derive(Clone, Debug)]
struct RawRef {
    segs: Vec<String>,
    line: usize,
    /// The inline modules (`mod x { .. }`) around the path, inside the file's module.
    inline: Vec<String>,
    via_use: bool,
    is_pub_use: bool,
    /// The name a `use` leaf binds (its alias or last segment).
    binding: Option<String>,
}

#[derive(Debug, Default)]
struct Parsed {
    tokens: Vec<Token>,
    refs: Vec<RawRef>,
    /// `mod name;` declarations: (inline prefix, name).
    mod_decls: Vec<(Vec<String>, String)>,
    /// Inline `mod name { .. }` modules, as paths inside the file's module.
    inline_mods: Vec<Vec<String>>,
}

struct UseLeaf {
    segs: Vec<String>,
    line: usize,
    glob: bool,
    alias: Option<String>,
}

fn parse_use_tree(t: &[Token], pos: &mut usize, prefix: Vec<String>, out: &mut Vec<UseLeaf>) {
    let mut segs = prefix;
    while *pos < t.len() {
        let tok = &t[*pos];
        if tok.is("::") {
            *pos += 1;
        } else if tok.is("*") {
            *pos += 1;
            out.push(UseLeaf {
                segs,
                line: tok.line,
                glob: true,
                alias: None,
            });
            return;
        } else if tok.is("{") {
            *pos += 1;
            while *pos < t.len() && !t[*pos].is("}") && !t[*pos].is(";") {
                let before = *pos;
                parse_use_tree(t, pos, segs.clone(), out);
                if *pos < t.len() && t[*pos].is(",") {
                    *pos += 1;
                }
                if *pos == before {
                    *pos += 1; // malformed: never loop
                }
            }
            if *pos < t.len() && t[*pos].is("}") {
                *pos += 1;
            }
            return;
        } else if tok.is_ident() {
            segs.push(tok.text.clone());
            let line = tok.line;
            *pos += 1;
            if t.get(*pos).is_some_and(|x| x.is("::")) {
                continue;
            }
            let mut alias = None;
            if t.get(*pos).is_some_and(|x| x.is("as")) {
                alias = t.get(*pos + 1).map(|x| x.text.clone());
                *pos += 2;
            }
            if segs.last().is_some_and(|s| s == "self") && segs.len() > 1 {
                segs.pop();
            }
            out.push(UseLeaf {
                segs,
                line,
                glob: false,
                alias,
            });
            return;
        } else {
            return;
        }
    }
}

/// Whether the `use` at `i` has a visibility (`pub`, `pub(crate)`, `pub(in ..)`).
fn is_pub_before(t: &[Token], i: usize) -> bool {
    let mut k = i;
    if k > 0 && t[k - 1].is(")") {
        let mut depth = 0usize;
        while k > 0 {
            k -= 1;
            if t[k].is(")") {
                depth += 1;
            } else if t[k].is("(") {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
        }
    }
    k > 0 && t[k - 1].is("pub")
}

fn parse_file(src: &str) -> Parsed {
    let tokens = strip_cfg_test(&tokenize(src));
    let t = &tokens;
    let n = t.len();
    let mut parsed = Parsed::default();
    let mut depth = 0usize;
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < n {
        let tok = &t[i];
        let prefix: Vec<String> = inline.iter().map(|(name, _)| name.clone()).collect();
        if tok.is("{") {
            depth += 1;
            i += 1;
        } else if tok.is("}") {
            if inline.last().is_some_and(|(_, d)| *d == depth) {
                inline.pop();
            }
            depth = depth.saturating_sub(1);
            i += 1;
        } else if tok.is("mod")
            && t.get(i + 1).is_some_and(Token::is_ident)
            && t.get(i + 2).is_some_and(|x| x.is(";") || x.is("{"))
        {
            let name = t[i + 1].text.clone();
            if t[i + 2].is(";") {
                parsed.mod_decls.push((prefix, name));
            } else {
                let mut path = prefix;
                path.push(name.clone());
                parsed.inline_mods.push(path);
                depth += 1;
                inline.push((name, depth));
            }
            i += 3;
        } else if tok.is("use") && !t.get(i + 1).is_some_and(|x| x.is("<")) {
            let is_pub_use = is_pub_before(t, i);
            let mut leaves = Vec::new();
            let mut p = i + 1;
            parse_use_tree(t, &mut p, Vec::new(), &mut leaves);
            while p < n && !t[p].is(";") {
                p += 1;
            }
            for leaf in leaves {
                let binding = leaf.alias.clone().or_else(|| leaf.segs.last().cloned());
                parsed.refs.push(RawRef {
                    segs: leaf.segs,
                    line: leaf.line,
                    inline: prefix.clone(),
                    via_use: true,
                    is_pub_use,
                    binding: if leaf.glob { None } else { binding },
                });
            }
            i = p + 1;
        } else if tok.is_ident()
            && t.get(i + 1).is_some_and(|x| x.is("::"))
            && !(i > 0 && (t[i - 1].is("::") || t[i - 1].is("in")))
        {
            let mut segs = vec![tok.text.clone()];
            let mut line = tok.line;
            let mut j = i + 1;
            while j + 1 < n && t[j].is("::") && t[j + 1].is_ident() {
                segs.push(t[j + 1].text.clone());
                line = t[j + 1].line;
                j += 2;
            }
            parsed.refs.push(RawRef {
                segs,
                line,
                inline: prefix,
                via_use: false,
                is_pub_use: false,
                binding: None,
            });
            i = j;
        } else {
            i += 1;
        }
    }
    parsed.tokens = tokens;
    parsed
}

// ---------------------------------------------------------------------------------------------
// The whole source tree: crates, module index, resolved imports
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Crate {
    Lib,
    Bin,
}

/// A path resolved to a module of one of the crates.
#[derive(Clone, Debug)]
struct Import {
    from: String,
    line: usize,
    via_use: bool,
    is_pub_use: bool,
    binding: Option<String>,
    target_crate: Crate,
    /// Absolute path inside `target_crate` (without `crate::`).
    path: Vec<String>,
    /// How many leading segments of `path` name the module that `target_file` defines.
    module_len: usize,
    /// The file defining the longest module prefix of `path`; `None` for a module that does not
    /// exist (the layer rules still apply to it).
    target_file: Option<String>,
}

struct SourceFile {
    path: String,
    krate: Crate,
    module: Vec<String>,
    parsed: Parsed,
}

/// Module path of a library file from its path: `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`.
fn module_of(path: &str) -> Vec<String> {
    let rel = path.strip_prefix("src/").unwrap_or(path);
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut segs: Vec<String> = rel.split('/').map(String::from).collect();
    if segs.last().is_some_and(|s| s == "mod") || segs == ["lib"] || segs == ["main"] {
        segs.pop();
    }
    segs
}

fn file_of_module(module: &[String], files: &BTreeMap<String, Parsed>) -> Option<String> {
    let base = format!("src/{}", module.join("/"));
    [format!("{base}.rs"), format!("{base}/mod.rs")]
        .into_iter()
        .find(|f| files.contains_key(f))
}

/// Absolute path (and crate) of a path written in a file of `krate` inside module `cur`, or
/// `None` for paths outside the crates (std, dependencies, local items, generics).
fn absolutize(
    segs: &[String],
    krate: Crate,
    cur: &[String],
    index: &HashMap<(Crate, Vec<String>), String>,
) -> Option<(Crate, Vec<String>)> {
    let first = segs.first()?.as_str();
    match first {
        "crate" => Some((krate, segs[1..].to_vec())),
        "btyd" if krate == Crate::Bin => Some((Crate::Lib, segs[1..].to_vec())),
        "self" => Some((krate, [cur, &segs[1..]].concat())),
        "super" => {
            let ups = segs.iter().take_while(|s| *s == "super").count();
            let keep = cur.len().checked_sub(ups)?;
            Some((krate, [&cur[..keep], &segs[ups..]].concat()))
        }
        _ => {
            let child = [cur, &segs[..1]].concat();
            index
                .contains_key(&(krate, child))
                .then(|| (krate, [cur, segs].concat()))
        }
    }
}

struct Tree {
    files: Vec<SourceFile>,
    imports: Vec<Import>,
    index: HashMap<(Crate, Vec<String>), String>,
}

fn build_tree(sources: &[(String, String)]) -> Tree {
    let parsed: BTreeMap<String, Parsed> = sources
        .iter()
        .filter(|(path, _)| path.starts_with("src/") && !path.starts_with("src/bin/"))
        .map(|(path, src)| (path.clone(), parse_file(src)))
        .collect();

    // The binary: src/main.rs and the modules it declares, transitively.
    let mut bin: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut todo = vec![("src/main.rs".to_string(), Vec::<String>::new())];
    while let Some((file, module)) = todo.pop() {
        let Some(p) = parsed.get(&file) else { continue };
        if bin.contains_key(&file) {
            continue;
        }
        for (inline, name) in &p.mod_decls {
            let child = [&module[..], &inline[..], std::slice::from_ref(name)].concat();
            if let Some(f) = file_of_module(&child, &parsed) {
                todo.push((f, child));
            }
        }
        bin.insert(file, module);
    }

    let mut files = Vec::new();
    for (path, p) in parsed {
        let (krate, module) = match bin.get(&path) {
            Some(m) => (Crate::Bin, m.clone()),
            None => (Crate::Lib, module_of(&path)),
        };
        files.push(SourceFile {
            path,
            krate,
            module,
            parsed: p,
        });
    }

    let mut index = HashMap::new();
    for f in &files {
        index.insert((f.krate, f.module.clone()), f.path.clone());
    }
    for f in &files {
        for inline in &f.parsed.inline_mods {
            index
                .entry((f.krate, [&f.module[..], &inline[..]].concat()))
                .or_insert_with(|| f.path.clone());
        }
    }

    let mut imports = Vec::new();
    for f in &files {
        for r in &f.parsed.refs {
            let cur = [&f.module[..], &r.inline[..]].concat();
            let Some((target_crate, path)) = absolutize(&r.segs, f.krate, &cur, &index) else {
                continue;
            };
            let (module_len, target_file) = (0..=path.len())
                .rev()
                .find_map(|k| {
                    let file = index.get(&(target_crate, path[..k].to_vec()))?;
                    Some((k, Some(file.clone())))
                })
                .unwrap_or((0, None));
            imports.push(Import {
                from: f.path.clone(),
                line: r.line,
                via_use: r.via_use,
                is_pub_use: r.is_pub_use,
                binding: r.binding.clone(),
                target_crate,
                path,
                module_len,
                target_file,
            });
        }
    }
    Tree {
        files,
        imports,
        index,
    }
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Report {
    /// `src/x/y.rs:LINE ...` lines, sorted by file and line.
    violations: Vec<String>,
    /// `a.rs -> b.rs -> a.rs  [a.rs:LINE, b.rs:LINE]` lines.
    cycles: Vec<String>,
    files: usize,
    /// Paths resolved to a module of the crates (all files, `use` leaves and code paths).
    imports: usize,
    /// Distinct file -> other file pairs among those imports (all files).
    file_edges: usize,
    /// Edges of the library's cycle graph.
    library_edges: usize,
}

impl Report {
    fn is_clean(&self) -> bool {
        self.violations.is_empty() && self.cycles.is_empty()
    }

    fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{} architecture violation(s):", self.violations.len());
        for v in &self.violations {
            let _ = writeln!(s, "  {v}");
        }
        let _ = writeln!(s, "{} import cycle(s):", self.cycles.len());
        for c in &self.cycles {
            let _ = writeln!(s, "  {c}");
        }
        s
    }
}

/// `crate::a::b::{C, D}` for paths sharing `crate::a::b`.
fn render_paths(paths: &BTreeSet<Vec<String>>) -> String {
    let join = |p: &[String]| {
        std::iter::once("crate")
            .chain(p.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("::")
    };
    let all: Vec<&Vec<String>> = paths.iter().collect();
    if all.len() == 1 {
        return join(all[0]);
    }
    let mut common = 0;
    while all
        .iter()
        .all(|p| p.len() > common + 1 && p[common] == all[0][common])
    {
        common += 1;
    }
    let rests: Vec<String> = all.iter().map(|p| p[common..].join("::")).collect();
    format!("{}::{{{}}}", join(&all[0][..common]), rests.join(", "))
}

/// Layer of a library path's target, following `lib.rs` re-exports of root names; `None` for a
/// root item (allowed everywhere) or the crate root itself.
fn target_layer(
    path: &[String],
    top_modules: &BTreeSet<String>,
    root_reexports: &HashMap<String, Vec<String>>,
    depth: usize,
) -> Option<String> {
    let first = path.first()?;
    if top_modules.contains(first) || is_known_layer(first) {
        return Some(first.clone());
    }
    if depth < 8 {
        if let Some(target) = root_reexports.get(first) {
            return target_layer(target, top_modules, root_reexports, depth + 1);
        }
    }
    None
}

fn check(sources: &[(String, String)]) -> Report {
    let tree = build_tree(sources);
    let mut report = Report {
        files: tree.files.len(),
        imports: tree.imports.len(),
        ..Report::default()
    };
    let by_path: HashMap<&str, &SourceFile> =
        tree.files.iter().map(|f| (f.path.as_str(), f)).collect();

    // (file, line) -> message; BTreeMap sorts by file then line.
    let mut found: BTreeMap<(String, usize), BTreeSet<String>> = BTreeMap::new();
    let mut note = |file: &str, line: usize, msg: String| {
        found
            .entry((file.to_string(), line))
            .or_default()
            .insert(msg);
    };

    // Top-level library modules, and those without a layer.
    let top_modules: BTreeSet<String> = tree
        .index
        .keys()
        .filter(|(k, m)| *k == Crate::Lib && m.len() == 1)
        .map(|(_, m)| m[0].clone())
        .collect();
    for name in &top_modules {
        if !is_known_layer(name) {
            let file = &tree.index[&(Crate::Lib, vec![name.clone()])];
            note(
                file,
                1,
                format!(
                    "{file}:1 defines module crate::{name}, which has no layer \
                     (add it to LAYERS in tests/architecture.rs)"
                ),
            );
        }
    }

    // Names that lib.rs re-exports: `crate::Error` is `crate::error::Error`.
    let root_reexports: HashMap<String, Vec<String>> = tree
        .imports
        .iter()
        .filter(|i| {
            i.from == "src/lib.rs" && i.is_pub_use && i.target_crate == Crate::Lib && i.via_use
        })
        .filter_map(|i| Some((i.binding.clone()?, i.path.clone())))
        .collect();

    // 1. Layers.
    let mut layer_hits: BTreeMap<(String, usize, String, String), BTreeSet<Vec<String>>> =
        BTreeMap::new();
    for imp in &tree.imports {
        let f = by_path[imp.from.as_str()];
        if f.krate != Crate::Lib || imp.target_crate != Crate::Lib {
            continue; // the binary (cli) may import anything
        }
        let Some(importer) = f.module.first() else {
            continue; // lib.rs
        };
        if !is_known_layer(importer) {
            continue; // reported above
        }
        let Some(target) = target_layer(&imp.path, &top_modules, &root_reexports, 0) else {
            continue; // a root item such as crate::Result
        };
        if !is_known_layer(&target) || layer_allows(importer, &target) {
            continue;
        }
        layer_hits
            .entry((imp.from.clone(), imp.line, importer.clone(), target))
            .or_default()
            .insert(imp.path.clone());
    }
    for ((file, line, importer, target), paths) in layer_hits {
        let msg = format!(
            "{file}:{line} imports {} (layer {importer} may not depend on layer {target})",
            render_paths(&paths)
        );
        note(&file, line, msg);
    }

    // 2. io must not run the fitting driver.
    const IO_RULE: &str = "io may not call the fitting driver";
    for f in &tree.files {
        if f.krate != Crate::Lib || f.module.first().is_none_or(|m| m != "io") {
            continue;
        }
        let mut bindings = BTreeSet::new();
        for imp in tree.imports.iter().filter(|i| i.from == f.path) {
            let driver = imp.target_crate == Crate::Lib
                && imp.path.len() >= 2
                && imp.path[0] == "fit"
                && FIT_DRIVER.contains(&imp.path[1].as_str());
            if !driver {
                continue;
            }
            let verb = if imp.via_use { "imports" } else { "calls" };
            let shown = format!("crate::fit::{}", imp.path[1]);
            note(
                &f.path,
                imp.line,
                format!("{}:{} {verb} {shown} ({IO_RULE})", f.path, imp.line),
            );
            if imp.via_use && imp.path.len() == 2 {
                if let Some(b) = &imp.binding {
                    bindings.insert((b.clone(), shown));
                }
            }
        }
        let t = &f.parsed.tokens;
        for (i, tok) in t.iter().enumerate() {
            if !tok.is_ident() {
                continue;
            }
            let prev = |s: &str| i > 0 && t[i - 1].is(s);
            let next = |k: usize, s: &str| t.get(i + k).is_some_and(|x| x.is(s));
            if FIT_DRIVER_IDENTS.contains(&tok.text.as_str()) {
                let msg = format!("{}:{} uses {} ({IO_RULE})", f.path, tok.line, tok.text);
                note(&f.path, tok.line, msg);
            } else if tok.text == "fit" && !prev("::") && next(1, "::") && next(2, "fit") {
                let msg = format!("{}:{} calls fit::fit ({IO_RULE})", f.path, tok.line);
                note(&f.path, tok.line, msg);
            } else if next(1, "(") && !prev(".") && !prev("::") && !prev("fn") {
                if let Some((_, shown)) = bindings.iter().find(|(b, _)| *b == tok.text) {
                    let msg = format!(
                        "{}:{} calls {shown} as {}(..) ({IO_RULE})",
                        f.path, tok.line, tok.text
                    );
                    note(&f.path, tok.line, msg);
                }
            }
        }
    }

    // Per (file, line), one message of each kind: the io rule's messages for a line that also
    // breaks a layer rule are kept, they say different things.
    for msgs in found.into_values() {
        report.violations.extend(msgs);
    }

    // 3. Cycles between the library's files.
    let mut graph: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut all_edges: BTreeSet<(String, String)> = BTreeSet::new();
    for imp in &tree.imports {
        let Some(target_file) = &imp.target_file else {
            continue;
        };
        if imp.from == *target_file {
            continue;
        }
        all_edges.insert((imp.from.clone(), target_file.clone()));
        let f = by_path[imp.from.as_str()];
        if f.krate != Crate::Lib || imp.target_crate != Crate::Lib {
            continue;
        }
        let target_module = &imp.path[..imp.module_len];
        let facade = imp.is_pub_use
            && target_module.len() > f.module.len()
            && target_module.starts_with(&f.module);
        if facade {
            continue;
        }
        graph
            .entry(imp.from.clone())
            .or_default()
            .entry(target_file.clone())
            .and_modify(|l| *l = (*l).min(imp.line))
            .or_insert(imp.line);
    }
    report.file_edges = all_edges.len();
    report.library_edges = graph.values().map(BTreeMap::len).sum();
    report.cycles = find_cycles(&graph)
        .into_iter()
        .map(|cycle| {
            let mut names: Vec<&str> = cycle.iter().map(String::as_str).collect();
            names.push(&cycle[0]);
            let evidence: Vec<String> = names
                .windows(2)
                .map(|w| format!("{}:{}", w[0], graph[w[0]][w[1]]))
                .collect();
            format!("{}  [{}]", names.join(" -> "), evidence.join(", "))
        })
        .collect();
    report
}

/// Strongly connected components (Tarjan), as sets of nodes.
fn components(graph: &BTreeMap<String, BTreeMap<String, usize>>) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeMap<String, usize>>,
        index: HashMap<&'a str, usize>,
        low: HashMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(next) = s.graph.get(v) {
            for w in next.keys() {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if s.on_stack.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            s.out.push(comp);
        }
    }
    let mut s = State {
        graph,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// Every elementary cycle (up to a cap), each starting at its smallest file, sorted.
fn find_cycles(graph: &BTreeMap<String, BTreeMap<String, usize>>) -> Vec<Vec<String>> {
    const CAP: usize = 200;
    fn walk(
        graph: &BTreeMap<String, BTreeMap<String, usize>>,
        comp: &BTreeSet<String>,
        start: &str,
        path: &mut Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        let Some(next) = graph.get(path.last().expect("non-empty")) else {
            return;
        };
        for w in next.keys() {
            if out.len() >= CAP {
                return;
            }
            if w == start {
                out.push(path.clone());
            } else if comp.contains(w) && w.as_str() > start && !path.contains(w) {
                path.push(w.clone());
                walk(graph, comp, start, path, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    for comp in components(graph).into_iter().filter(|c| c.len() > 1) {
        for start in &comp {
            walk(graph, &comp, start, &mut vec![start.clone()], &mut out);
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// The real tree
// ---------------------------------------------------------------------------------------------

fn read_sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 file name");
            let rel = format!("{rel}/{name}");
            if path.is_dir() {
                walk(&path, &rel, out);
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                out.push((rel, text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, "src", &mut out);
    out
}

#[test]
fn library_respects_layers_and_has_no_import_cycles() {
    let report = check(&read_sources());
    assert!(
        report.is_clean(),
        "the sources break the architecture rules (see tests/architecture.rs):\n{}",
        report.render()
    );
}

#[test]
fn checker_sees_the_real_tree() {
    let sources = read_sources();
    let report = check(&sources);
    eprintln!(
        "{} files, {} imports, {} file edges, {} library edges",
        report.files, report.imports, report.file_edges, report.library_edges
    );
    assert!(report.files > 40, "only {} files found", report.files);
    assert!(
        report.imports > 100,
        "only {} imports found",
        report.imports
    );
    assert!(
        report.file_edges > 100,
        "only {} file edges found",
        report.file_edges
    );
    assert!(
        report.library_edges > 60,
        "only {} library edges found",
        report.library_edges
    );
    // A few edges that must be seen, whatever else changes.
    let tree = build_tree(&sources);
    let has = |from: &str, to: &str| {
        tree.imports
            .iter()
            .any(|i| i.from == from && i.target_file.as_deref() == Some(to))
    };
    assert!(has("src/models/mod.rs", "src/data/mod.rs"));
    assert!(has("src/cli/mod.rs", "src/cli/fit.rs") || has("src/cli/demo.rs", "src/cli/fit.rs"));
    assert!(tree
        .files
        .iter()
        .any(|f| f.path == "src/cli/mod.rs" && f.krate == Crate::Bin));
    assert!(tree
        .files
        .iter()
        .any(|f| f.path == "src/data/mod.rs" && f.krate == Crate::Lib));
}

// ---------------------------------------------------------------------------------------------
// The checker itself, on small in-memory trees
// ---------------------------------------------------------------------------------------------

fn run(files: &[(&str, &str)]) -> Report {
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect();
    check(&sources)
}

#[test]
fn a_lower_layer_importing_an_upper_one_is_caught() {
    let r = run(&[
        ("src/special/mod.rs", "pub fn ln_gamma() {}\n"),
        (
            "src/data/mod.rs",
            "use crate::special::ln_gamma;\n\nuse crate::models::Model;\n",
        ),
        ("src/models/mod.rs", "pub struct Model;\n"),
    ]);
    assert_eq!(
        r.violations,
        ["src/data/mod.rs:3 imports crate::models::Model (layer data may not depend on layer models)"]
    );
    assert!(r.cycles.is_empty());
}

#[test]
fn allowed_imports_pass() {
    let r = run(&[
        (
            "src/lib.rs",
            "pub mod error;\npub use error::{Error, Result};\n",
        ),
        (
            "src/error.rs",
            "pub enum Error {}\npub type Result<T> = std::result::Result<T, Error>;\n",
        ),
        ("src/hash.rs", "use crate::error::Error;\n"),
        ("src/special/mod.rs", "use crate::Result;\n"),
        (
            "src/data/mod.rs",
            "use crate::special::f;\nuse crate::hash::H;\n",
        ),
        (
            "src/models/mod.rs",
            "use crate::{data::History, special::{self, f}, Error};\n",
        ),
        (
            "src/fit/mod.rs",
            "use crate::models::M;\nuse crate::data::D;\n",
        ),
        ("src/predict/mod.rs", "use crate::models::M;\n"),
        (
            "src/validate.rs",
            "use crate::fit::FitOptions;\nuse crate::predict::p;\n",
        ),
        (
            "src/io/mod.rs",
            "use crate::validate::v;\nuse crate::fit::{FitOptions, Fitted};\n",
        ),
        ("src/main.rs", "mod cli;\nfn main() { btyd::io::x(); }\n"),
        (
            "src/cli/mod.rs",
            "use btyd::validate::v;\nuse btyd::prelude::*;\n",
        ),
    ]);
    assert!(r.is_clean(), "{}", r.render());
    assert!(r.imports >= 17, "{}", r.imports);
}

#[test]
fn predict_may_not_use_fit_and_validate_may_not_use_io() {
    let r = run(&[
        ("src/fit/mod.rs", "pub fn total() {}\n"),
        ("src/io/mod.rs", "pub struct ModelFile;\n"),
        (
            "src/predict/clv.rs",
            "fn f() {\n    crate::fit::total();\n}\n",
        ),
        ("src/predict/mod.rs", "pub mod clv;\n"),
        ("src/validate/mod.rs", "mod a;\n"),
        ("src/validate/a.rs", "use crate::io::ModelFile;\n"),
        (
            "src/simulate.rs",
            "use crate::predict::clv;\nuse crate::models::M;\n",
        ),
        ("src/models/mod.rs", "pub struct M;\n"),
    ]);
    assert_eq!(
        r.violations,
        [
            "src/predict/clv.rs:2 imports crate::fit::total (layer predict may not depend on layer fit)",
            "src/simulate.rs:1 imports crate::predict::clv (layer simulate may not depend on layer predict)",
            "src/validate/a.rs:1 imports crate::io::ModelFile (layer validate may not depend on layer io)",
        ]
    );
}

#[test]
fn the_library_may_not_import_the_prelude_or_the_cli() {
    let r = run(&[
        (
            "src/prelude.rs",
            "pub use crate::io::ModelFile;\npub use crate::models::M;\n",
        ),
        ("src/io/mod.rs", "use crate::prelude::*;\n"),
        ("src/models/mod.rs", "use crate::cli::x;\n"),
    ]);
    assert_eq!(
        r.violations,
        [
            "src/io/mod.rs:1 imports crate::prelude (layer io may not depend on layer prelude)",
            "src/models/mod.rs:1 imports crate::cli::x (layer models may not depend on layer cli)",
        ]
    );
}

#[test]
fn root_reexports_do_not_launder_violations() {
    let r = run(&[
        (
            "src/lib.rs",
            "pub mod io;\npub mod models;\npub use io::ModelFile as File;\npub use error::Error;\n",
        ),
        ("src/error.rs", "pub enum Error {}\n"),
        ("src/io/mod.rs", "pub struct ModelFile;\n"),
        ("src/models/mod.rs", "use crate::{Error, File};\n"),
    ]);
    assert_eq!(
        r.violations,
        ["src/models/mod.rs:1 imports crate::File (layer models may not depend on layer io)"]
    );
}

#[test]
fn nested_use_trees_and_relative_paths_resolve_to_files() {
    let tree = build_tree(&[
        (
            "src/data/mod.rs".into(),
            "mod a;\nmod b;\npub struct History;\n".into(),
        ),
        (
            "src/data/a.rs".into(),
            "use crate::data::{b::{self, inner::{X, Y as Z}}, History};\nmod c;\n".into(),
        ),
        (
            "src/data/a/c.rs".into(),
            "use super::super::History;\nfn f() { super::g(); }\n".into(),
        ),
        ("src/data/b.rs".into(), "pub mod inner;\n".into()),
        (
            "src/data/b/inner.rs".into(),
            "use self::deeper::D;\nmod deeper { pub struct D; }\n".into(),
        ),
    ]);
    let edges: BTreeSet<(String, usize, String, String)> = tree
        .imports
        .iter()
        .map(|i| {
            let target = i.target_file.clone().unwrap_or_default();
            (i.from.clone(), i.line, i.path.join("::"), target)
        })
        .collect();
    let want = [
        ("src/data/a.rs", 1, "data::b", "src/data/b.rs"),
        (
            "src/data/a.rs",
            1,
            "data::b::inner::X",
            "src/data/b/inner.rs",
        ),
        (
            "src/data/a.rs",
            1,
            "data::b::inner::Y",
            "src/data/b/inner.rs",
        ),
        ("src/data/a.rs", 1, "data::History", "src/data/mod.rs"),
        ("src/data/a/c.rs", 1, "data::History", "src/data/mod.rs"),
        ("src/data/a/c.rs", 2, "data::a::g", "src/data/a.rs"),
        (
            "src/data/b/inner.rs",
            1,
            "data::b::inner::deeper::D",
            "src/data/b/inner.rs",
        ),
    ];
    let want: BTreeSet<(String, usize, String, String)> = want
        .iter()
        .map(|(f, l, p, t)| (f.to_string(), *l, p.to_string(), t.to_string()))
        .collect();
    assert_eq!(edges, want);
}

#[test]
fn two_file_and_three_file_cycles_are_found() {
    let r = run(&[
        ("src/data/mod.rs", "mod a;\nmod b;\n"),
        ("src/data/a.rs", "use super::b::B;\npub struct A;\n"),
        (
            "src/data/b.rs",
            "pub struct B;\nfn f() -> super::a::A { todo!() }\n",
        ),
        ("src/models/mod.rs", "mod x;\nmod y;\nmod z;\n"),
        ("src/models/x.rs", "use crate::models::y::Y;\n"),
        ("src/models/y.rs", "use super::z::Z;\n"),
        ("src/models/z.rs", "fn f() { crate::models::x::go(); }\n"),
    ]);
    assert!(r.violations.is_empty(), "{}", r.render());
    assert_eq!(
        r.cycles,
        [
            "src/data/a.rs -> src/data/b.rs -> src/data/a.rs  [src/data/a.rs:1, src/data/b.rs:2]",
            "src/models/x.rs -> src/models/y.rs -> src/models/z.rs -> src/models/x.rs  \
             [src/models/x.rs:1, src/models/y.rs:1, src/models/z.rs:1]",
        ]
    );
}

#[test]
fn every_cycle_of_a_tangle_is_listed() {
    let r = run(&[
        (
            "src/data/a.rs",
            "use crate::data::b::X;\nuse crate::data::c::Y;\n",
        ),
        ("src/data/b.rs", "use crate::data::a::X;\n"),
        ("src/data/c.rs", "use crate::data::b::X;\n"),
    ]);
    let shapes: Vec<&str> = r
        .cycles
        .iter()
        .map(|c| c.split("  [").next().unwrap())
        .collect();
    assert_eq!(
        shapes,
        [
            "src/data/a.rs -> src/data/b.rs -> src/data/a.rs",
            "src/data/a.rs -> src/data/c.rs -> src/data/b.rs -> src/data/a.rs",
        ]
    );
}

#[test]
fn facade_reexports_and_mod_declarations_are_no_cycle_but_real_uses_are() {
    let facade = run(&[
        (
            "src/models/mod.rs",
            "pub mod a;\npub(crate) use a::A;\npub fn check() {}\n",
        ),
        ("src/models/a.rs", "use super::check;\npub struct A;\n"),
    ]);
    assert!(facade.is_clean(), "{}", facade.render());
    let real = run(&[
        (
            "src/models/mod.rs",
            "pub mod a;\npub fn check() {}\nfn g() { a::helper(); }\n",
        ),
        ("src/models/a.rs", "use super::check;\npub fn helper() {}\n"),
    ]);
    assert_eq!(
        real.cycles,
        ["src/models/a.rs -> src/models/mod.rs -> src/models/a.rs  \
          [src/models/a.rs:1, src/models/mod.rs:3]"]
    );
}

#[test]
fn cfg_test_code_is_ignored() {
    let r = run(&[
        ("src/io/mod.rs", "pub mod csv_table;\n"),
        ("src/io/csv_table.rs", "pub struct CsvTable;\n"),
        (
            "src/models/bg_bb.rs",
            r#"
use crate::data::Patterns;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::csv_table::CsvTable;
    fn f() { crate::fit::fit(); }
}

#[cfg(test)]
fn helper() -> crate::io::csv_table::CsvTable { todo!() }

#[cfg(test)]
use crate::fit::fit;
"#,
        ),
        ("src/data/a.rs", "#![cfg(test)]\nuse crate::io::X;\n"),
        (
            "src/data/b.rs",
            "use super::c::C;\n#[cfg(test)]\nmod tests { use super::super::c; }\n",
        ),
        ("src/data/c.rs", "#[cfg(test)]\nuse super::b::B;\n"),
    ]);
    assert!(r.is_clean(), "{}", r.render());
}

#[test]
fn comments_strings_and_doc_links_are_ignored() {
    let r = run(&[
        (
            "src/data/mod.rs",
            r###"//! See [`crate::fit`] and [`crate::io::ModelFile`].
/// Fitted by [`crate::models::BgNbd`]; `use crate::io;`
/* use crate::io::x; /* nested crate::fit::fit */ still crate::io */
// use crate::validate::Report;
pub fn f() -> &'static str {
    let _c = '"';
    let _d = b'\'';
    let _ = "use crate::io::x; \" crate::fit";
    let _ = r#"crate::io::"# ;
    let _ = br##"crate::predict "# "##;
    let _lt: &'static str = "x";
    'outer: loop { break 'outer; }
    "crate::io"
}
pub use self::f as g;
"###,
        ),
        ("src/models/mod.rs", "use crate::data::f;\n"),
    ]);
    assert!(r.is_clean(), "{}", r.render());
    assert_eq!(
        r.imports, 2,
        "data::f (the self re-export) and models -> data"
    );
}

#[test]
fn line_numbers_survive_comments_and_strings() {
    let r = run(&[(
        "src/special/mod.rs",
        "/* one\n two */\nconst S: &str = \"a\nb\";\nconst R: &str = r#\"\n\"#;\n// c\nuse crate::data::X;\n",
    )]);
    assert_eq!(
        r.violations,
        ["src/special/mod.rs:8 imports crate::data::X (layer special may not depend on layer data)"]
    );
}

#[test]
fn io_may_not_run_the_fitting_driver() {
    let r = run(&[
        (
            "src/fit/mod.rs",
            "pub fn fit() {}\npub struct FitOptions;\n",
        ),
        (
            "src/io/model_file.rs",
            r#"use crate::fit::{fit, FitOptions};
use crate::fit::fit_summary as summarize;

impl ModelFile {
    pub fn fit(opts: &FitOptions) -> Self {
        let fitted = fit(&data, opts);
        let s = summarize(&fitted);
        Self::fit_purchase(x);
        self.model.fit(y);
        crate::fit::fit();
        fit_model(z)
    }
}
"#,
        ),
        (
            "src/io/plot.rs",
            "use crate::fit;\nfn f() { fit::fit(); }\n",
        ),
    ]);
    assert_eq!(
        r.violations,
        [
            "src/io/model_file.rs:1 imports crate::fit::fit (io may not call the fitting driver)",
            "src/io/model_file.rs:2 imports crate::fit::fit_summary (io may not call the fitting driver)",
            "src/io/model_file.rs:2 uses fit_summary (io may not call the fitting driver)",
            "src/io/model_file.rs:6 calls crate::fit::fit as fit(..) (io may not call the fitting driver)",
            "src/io/model_file.rs:7 calls crate::fit::fit_summary as summarize(..) (io may not call the fitting driver)",
            "src/io/model_file.rs:10 calls crate::fit::fit (io may not call the fitting driver)",
            "src/io/model_file.rs:11 uses fit_model (io may not call the fitting driver)",
            "src/io/plot.rs:2 calls fit::fit (io may not call the fitting driver)",
        ]
    );
}

#[test]
fn a_module_without_a_layer_is_reported() {
    let r = run(&[
        ("src/plotting.rs", "pub fn draw() {}\n"),
        ("src/models/mod.rs", "use crate::plotting::draw;\n"),
    ]);
    assert_eq!(
        r.violations,
        [
            "src/plotting.rs:1 defines module crate::plotting, which has no layer \
          (add it to LAYERS in tests/architecture.rs)"
        ]
    );
}

#[test]
fn the_binary_is_told_apart_from_the_library() {
    let tree = build_tree(&[
        ("src/main.rs".into(), "mod cli;\n".into()),
        (
            "src/cli/mod.rs".into(),
            "mod fit;\nuse btyd::io::X;\n".into(),
        ),
        (
            "src/cli/fit.rs".into(),
            "use super::helper;\nuse crate::cli::other;\n".into(),
        ),
        ("src/io/mod.rs".into(), "pub struct X;\n".into()),
    ]);
    let krate = |p: &str| tree.files.iter().find(|f| f.path == p).map(|f| f.krate);
    assert_eq!(krate("src/cli/fit.rs"), Some(Crate::Bin));
    assert_eq!(krate("src/io/mod.rs"), Some(Crate::Lib));
    let targets: BTreeSet<(&str, Crate, &str)> = tree
        .imports
        .iter()
        .map(|i| {
            (
                i.from.as_str(),
                i.target_crate,
                i.target_file.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert!(targets.contains(&("src/cli/mod.rs", Crate::Lib, "src/io/mod.rs")));
    assert!(targets.contains(&("src/cli/fit.rs", Crate::Bin, "src/cli/mod.rs")));
}
