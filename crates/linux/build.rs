//! Turns the kernel syscall tables in `syscall-tables/` into Rust enums, so no syscall number is
//! ever typed by hand in Rust code.
//!
//! Each table line is `<number> <abi> <name> [...]`; `#` starts a comment. For every table we emit
//! one `Sysno` enum (variants named exactly like the kernel's syscalls), `Sysno::name`,
//! `Sysno::from_u64`, `Sysno::from_name`, and an `ALL` slice for tests and tools.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Rust keywords that cannot be used as plain identifiers.
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

fn parse(path: &Path) -> Vec<(u64, String)> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out: Vec<(u64, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut f = line.split_whitespace();
        let (Some(num), Some(_abi), Some(name)) = (f.next(), f.next(), f.next()) else {
            panic!("{}:{}: expected `number abi name`", path.display(), i + 1);
        };
        let num: u64 = num
            .parse()
            .unwrap_or_else(|_| panic!("{}:{}: bad number {num}", path.display(), i + 1));
        assert!(
            !out.iter().any(|(n, s)| *n == num || s == name),
            "{}:{}: duplicate {num} {name}",
            path.display(),
            i + 1
        );
        out.push((num, name.to_string()));
    }
    out.sort();
    out
}

fn ident(name: &str) -> String {
    if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// Writes `pub SIG -> Option<Sysno>`, documented as `doc`: a match of `scrutinee` with one
/// `pattern => Some(Sysno::variant)` arm per `(pattern, variant)`, else `None`.
fn lookup(
    s: &mut String,
    doc: &str,
    sig: &str,
    scrutinee: &str,
    arms: impl Iterator<Item = (String, String)>,
) {
    writeln!(s, "    /// {doc}").unwrap();
    writeln!(
        s,
        "    pub {sig} -> Option<Sysno> {{\n        match {scrutinee} {{"
    )
    .unwrap();
    for (pattern, variant) in arms {
        writeln!(s, "            {pattern} => Some(Sysno::{variant}),").unwrap();
    }
    writeln!(s, "            _ => None,\n        }}\n    }}\n").unwrap();
}

fn emit(table: &[(u64, String)], what: &str) -> String {
    let mut s = String::new();
    writeln!(
        s,
        "/// {what} system call numbers, generated from the kernel table."
    )
    .unwrap();
    writeln!(
        s,
        "#[allow(non_camel_case_types, missing_docs)]\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[repr(u32)]\npub enum Sysno {{"
    )
    .unwrap();
    for (n, name) in table {
        writeln!(s, "    {} = {n},", ident(name)).unwrap();
    }
    writeln!(s, "}}\n").unwrap();
    writeln!(s, "impl Sysno {{").unwrap();
    writeln!(s, "    /// The kernel's name of this syscall.").unwrap();
    writeln!(
        s,
        "    pub const fn name(self) -> &'static str {{\n        match self {{"
    )
    .unwrap();
    for (_, name) in table {
        writeln!(s, "            Sysno::{} => \"{name}\",", ident(name)).unwrap();
    }
    writeln!(s, "        }}\n    }}\n").unwrap();
    lookup(
        &mut s,
        "The syscall with number `n`, if the table has one.",
        "const fn from_u64(n: u64)",
        "n",
        table.iter().map(|(n, name)| (n.to_string(), ident(name))),
    );
    lookup(
        &mut s,
        "The syscall the kernel calls `name`, if the table has one.",
        "fn from_name(name: &str)",
        "name",
        table
            .iter()
            .map(|(_, name)| (format!("\"{name}\""), ident(name))),
    );
    writeln!(s, "    /// The number of this syscall.").unwrap();
    writeln!(
        s,
        "    pub const fn number(self) -> u64 {{\n        self as u64\n    }}"
    )
    .unwrap();
    writeln!(s, "}}\n").unwrap();
    writeln!(s, "/// Every syscall in the table, in number order.").unwrap();
    writeln!(s, "pub const ALL: &[Sysno] = &[").unwrap();
    for (_, name) in table {
        writeln!(s, "    Sysno::{},", ident(name)).unwrap();
    }
    writeln!(s, "];").unwrap();
    s
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let tables = manifest.join("../../syscall-tables");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    for (file, what, dest) in [
        ("arm64.tbl", "AArch64 (asm-generic)", "sysno_a64.rs"),
        ("arm.tbl", "32-bit ARM (EABI)", "sysno_arm.rs"),
    ] {
        let path = tables.join(file);
        println!("cargo::rerun-if-changed={}", path.display());
        let table = parse(&path);
        fs::write(out.join(dest), emit(&table, what)).unwrap();
    }
}
