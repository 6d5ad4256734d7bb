//! Copies every ```rust block of the READMEs of the workspace and the vendor
//! crates (the core's README is a doc test of its own crate) into a module of its own, so
//! that the samples users read are the code this crate compiles.

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
            std::fs::write(out.join(&file), block).expect("OUT_DIR is writable");
            writeln!(
                modules,
                "/// `{readme}`, sample {index}.\n#[allow(dead_code)]\npub mod {name}_{index} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{file}\"));\n}}"
            )
            .expect("writing to a String");
        }
    }
    std::fs::write(out.join("readme_samples.rs"), modules).expect("OUT_DIR is writable");
}
