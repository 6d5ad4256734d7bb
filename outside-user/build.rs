//! Copies every ```rust block of the READMEs of the workspace and the vendor
//! crates (the core's README is a doc test of its own crate) into a module of its own, so
//! that the samples users read are the code this crate compiles; and writes the dispatch
//! of the `readme-sample` program, which runs a sample that is a whole program by its
//! module's name (`tests/programs.rs` runs each against the sandboxes).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const READMES: &[&str] = &[
    "../README.md",
    "../pos-customer-sdk/README.md",
    "../ct-customer-groups-sdk/README.md",
    "../flowretail-sdk/README.md",
];

fn rust_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_start() == "```rust" => current = Some(String::new()),
            Some(_) if line.trim_start() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut modules = String::new();
    let mut dispatch = String::from("match name {\n");
    let mut programs = Vec::new();
    for readme in READMES {
        println!("cargo::rerun-if-changed={readme}");
        let text = std::fs::read_to_string(readme).unwrap_or_else(|e| panic!("{readme}: {e}"));
        let name = Path::new(readme)
            .parent()
            .and_then(Path::file_name)
            .map_or("workspace".to_owned(), |dir| {
                dir.to_string_lossy().replace(['-', '.'], "_")
            });
        let name = if name.is_empty() {
            "workspace".to_owned()
        } else {
            name
        };
        for (index, block) in rust_blocks(&text).into_iter().enumerate() {
            let file = format!("{name}_{index}.rs");
            // A whole program's `main` is made public, for the dispatch to call.
            let program = block.contains("\nasync fn main(");
            let block = block.replace("\nasync fn main(", "\npub async fn main(");
            std::fs::write(out.join(&file), block).expect("OUT_DIR is writable");
            if program {
                programs.push(format!("{name}_{index}"));
                writeln!(
                    dispatch,
                    "    \"{name}_{index}\" => outcome(outside_user::readme_samples::{name}_{index}::main()),"
                )
                .expect("writing to a String");
            }
            writeln!(
                modules,
                "/// `{readme}`, sample {index}.\n#[allow(dead_code)]\npub mod {name}_{index} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{file}\"));\n}}"
            )
            .expect("writing to a String");
        }
    }
    writeln!(
        modules,
        "/// The samples that are whole programs, which `readme-sample` runs.\npub const PROGRAMS: &[&str] = &{programs:?};"
    )
    .expect("writing to a String");
    std::fs::write(out.join("readme_samples.rs"), modules).expect("OUT_DIR is writable");
    dispatch.push_str("    _ => unknown(name),\n}\n");
    std::fs::write(out.join("readme_dispatch.rs"), dispatch).expect("OUT_DIR is writable");
}
