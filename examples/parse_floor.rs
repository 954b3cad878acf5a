//! Benchmark helper: the time to parse a document into a generic value and
//! nothing else (`serde_json::Value` for JSON, `yaml_serde::Value` for
//! YAML), the floor `scripts/bench.sh` compares rollcall's load time with.
//!
//! ```text
//! cargo run --release --example parse_floor -- api.github.com.json   # prints seconds
//! cargo run --release --example parse_floor -- to-yaml in.json > out.yaml
//! ```
//!
//! `to-yaml` converts a JSON document to YAML (keys in document order), for
//! the YAML half of the benchmark.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("to-yaml") {
        let input = args.get(1).ok_or("usage: parse_floor to-yaml FILE.json")?;
        let value: serde_json::Value = serde_json::from_slice(&std::fs::read(input)?)?;
        let stdout = std::io::stdout();
        yaml_serde::to_writer(std::io::BufWriter::new(stdout.lock()), &value)?;
        return Ok(());
    }
    let path = args
        .first()
        .ok_or("usage: parse_floor FILE | parse_floor to-yaml FILE.json")?;
    let started = Instant::now();
    let bytes = std::fs::read(path)?;
    let text = std::str::from_utf8(&bytes)?;
    if text.trim_start().starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text)?;
        std::hint::black_box(value);
    } else {
        let value: yaml_serde::Value = yaml_serde::from_str(text)?;
        std::hint::black_box(value);
    }
    println!("{:.3}", started.elapsed().as_secs_f64());
    Ok(())
}
