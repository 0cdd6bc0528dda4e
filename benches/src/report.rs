//! Turns the binary's JSON lines back into Markdown tables for `BENCHMARKS.md`: one table per
//! workload, one row per implementation, and a last row with the ratio of bandpro to the best
//! peer on each metric (lower is better everywhere, so a ratio at or below 1 meets the target).

use std::collections::BTreeMap;
use std::fmt::Write;

/// One measurement line: `{"workload","impl","metric","median","runs"}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The workload.
    pub workload: String,
    /// The implementation.
    pub engine: String,
    /// The metric's name (`*_ns` or `*_bytes`).
    pub metric: String,
    /// The median over the runs.
    pub median: f64,
    /// How many runs.
    pub runs: u64,
}

/// Parses the JSON lines; lines that are not measurements (errors, blanks) are returned apart.
pub fn parse(jsonl: &str) -> (Vec<Row>, Vec<String>) {
    let mut rows = Vec::new();
    let mut other = Vec::new();
    for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(_) => {
                other.push(line.to_owned());
                continue;
            }
        };
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        match (s("workload"), s("impl"), s("metric"), v.get("median").and_then(|m| m.as_f64())) {
            (Some(workload), Some(engine), Some(metric), Some(median)) => rows.push(Row {
                workload,
                engine,
                metric,
                median,
                runs: v.get("runs").and_then(|r| r.as_u64()).unwrap_or(0),
            }),
            _ => other.push(line.to_owned()),
        }
    }
    (rows, other)
}

/// A metric's value for people: milliseconds for `*_ns`, MiB for `*_bytes`.
pub fn human(metric: &str, v: f64) -> String {
    if metric.ends_with("_ns") {
        let ms = v / 1e6;
        if ms >= 100.0 { format!("{ms:.0} ms") } else { format!("{ms:.2} ms") }
    } else if metric.ends_with("_bytes") {
        format!("{:.1} MiB", v / (1024.0 * 1024.0))
    } else {
        format!("{v}")
    }
}

/// Markdown tables, one per workload, in the order workloads first appear.
pub fn markdown(rows: &[Row]) -> String {
    let mut workloads: Vec<&str> = Vec::new();
    for r in rows {
        if !workloads.contains(&r.workload.as_str()) {
            workloads.push(&r.workload);
        }
    }
    let mut out = String::new();
    for w in workloads {
        let here: Vec<&Row> = rows.iter().filter(|r| r.workload == w).collect();
        let mut metrics: Vec<&str> = Vec::new();
        let mut engines: Vec<&str> = Vec::new();
        for r in &here {
            if !metrics.contains(&r.metric.as_str()) {
                metrics.push(&r.metric);
            }
            if !engines.contains(&r.engine.as_str()) {
                engines.push(&r.engine);
            }
        }
        // Time first, then memory.
        metrics.sort_by_key(|m| (!m.ends_with("_ns"), *m));
        let get: BTreeMap<(&str, &str), &Row> =
            here.iter().map(|r| ((r.engine.as_str(), r.metric.as_str()), *r)).collect();
        let runs = here.iter().map(|r| r.runs).max().unwrap_or(0);
        let _ = writeln!(out, "### {w}\n\nMedians of {runs} runs.\n");
        let _ = writeln!(out, "| impl | {} |", metrics.join(" | "));
        let _ = writeln!(out, "| --- |{}", " ---: |".repeat(metrics.len()));
        for e in &engines {
            let cells: Vec<String> = metrics
                .iter()
                .map(|m| get.get(&(*e, *m)).map(|r| human(m, r.median)).unwrap_or_else(|| "–".into()))
                .collect();
            let name = if *e == "bandpro" { "**bandpro**".to_owned() } else { (*e).to_owned() };
            let _ = writeln!(out, "| {name} | {} |", cells.join(" | "));
        }
        let ratios: Vec<String> = metrics
            .iter()
            .map(|m| {
                let ours = get.get(&("bandpro", *m)).map(|r| r.median);
                let best = engines
                    .iter()
                    .filter(|e| **e != "bandpro")
                    .filter_map(|e| get.get(&(*e, *m)).map(|r| (*e, r.median)))
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                match (ours, best) {
                    (Some(o), Some((peer, b))) if b > 0.0 => format!("**{:.2}×** (vs {peer})", o / b),
                    _ => "–".into(),
                }
            })
            .collect();
        let _ = writeln!(out, "| bandpro / best peer | {} |\n", ratios.join(" | "));
    }
    out
}
