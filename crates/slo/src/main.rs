//! `atelier-slo`: regenerates `slo/generated/prometheus-rules.yaml` from `slo/*.yaml`.
//!
//! Usage: `cargo run -p atelier-slo [-- --check] [--root DIR]`. `--check` writes nothing and
//! exits 1 when the committed file is stale. The root defaults to the workspace this binary was
//! built from.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<ExitCode> {
    let mut check = false;
    let mut root = atelier_slo::workspace_root();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--root" => root = PathBuf::from(args.next().context("--root needs a directory")?),
            "-h" | "--help" => {
                println!("usage: atelier-slo [--check] [--root DIR]");
                return Ok(ExitCode::SUCCESS);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }

    let rendered = atelier_slo::render_from(&root)?;
    let output = root.join(atelier_slo::OUTPUT_FILE);
    let current = std::fs::read_to_string(&output).unwrap_or_default();
    if check {
        if current == rendered {
            println!("{} is up to date", atelier_slo::OUTPUT_FILE);
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{} is stale; run: cargo run -p atelier-slo",
            atelier_slo::OUTPUT_FILE
        );
        return Ok(ExitCode::FAILURE);
    }
    if current == rendered {
        println!("{} unchanged", atelier_slo::OUTPUT_FILE);
    } else {
        std::fs::write(&output, rendered)
            .with_context(|| format!("writing {}", output.display()))?;
        println!("wrote {}", atelier_slo::OUTPUT_FILE);
    }
    Ok(ExitCode::SUCCESS)
}
