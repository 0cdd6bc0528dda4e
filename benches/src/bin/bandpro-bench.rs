//! `bandpro-bench`: runs the benchmark workloads on BandPro and its peers and prints one JSON
//! object per line: `{"workload":..,"impl":..,"metric":..,"median":..,"runs":..}`.
//!
//! ```text
//! bandpro-bench <workload|all> [--impl a,b] [--runs N] [--json-out FILE] [--small] [--timeout SECS]
//! bandpro-bench --table FILE     # Markdown tables of a --json-out file, with bandpro / best peer
//! ```
//!
//! Each run of each implementation is a fresh child process (this binary, re-invoked with the
//! hidden `--child` flag), so memory is measured from a clean heap and one engine's allocations
//! cannot inflate another's peak.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bandpro_benches::engines::NAMES;
use bandpro_benches::report;
use bandpro_benches::runner::{self, Sizes, WORKLOADS};

const USAGE: &str = "usage: bandpro-bench <workload|all> [--impl a,b] [--runs N] [--json-out FILE] [--small] [--timeout SECS]
workloads: trace:automerge-paper, trace:seph-blog1, trace:friendsforever, score-like, concurrent-merge,
  sync-one-edit, music, formats, score-edit, repo, commit (bandpro only), all
implementations: bandpro, automerge, yrs, loro, diamond-types (default: every one that runs the workload)
--small runs the reduced sizes of the criterion benches; --table FILE prints Markdown tables of a --json-out file";

struct Options {
    workloads: Vec<String>,
    impls: Option<Vec<String>>,
    runs: usize,
    json_out: Option<String>,
    small: bool,
    timeout: Duration,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        workloads: Vec::new(),
        impls: None,
        runs: 5,
        json_out: None,
        small: false,
        timeout: Duration::from_secs(1200),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--impl" => opts.impls = Some(value("--impl")?.split(',').map(str::to_owned).collect()),
            "--runs" => opts.runs = value("--runs")?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--json-out" => opts.json_out = Some(value("--json-out")?),
            "--timeout" => {
                opts.timeout =
                    Duration::from_secs(value("--timeout")?.parse().map_err(|e| format!("--timeout: {e}"))?);
            }
            "--small" => opts.small = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            w if !w.starts_with('-') => opts.workloads.push(w.to_owned()),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if opts.workloads.is_empty() {
        return Err(USAGE.to_owned());
    }
    if opts.workloads.iter().any(|w| w == "all") {
        opts.workloads = WORKLOADS.iter().map(|w| (*w).to_owned()).collect();
    }
    for w in &opts.workloads {
        if !WORKLOADS.contains(&w.as_str()) {
            return Err(format!("unknown workload {w}\n{USAGE}"));
        }
    }
    for i in opts.impls.iter().flatten() {
        if !NAMES.contains(&i.as_str()) {
            return Err(format!("unknown implementation {i}\n{USAGE}"));
        }
    }
    if opts.runs == 0 {
        return Err("--runs must be at least 1".to_owned());
    }
    Ok(opts)
}

/// The child: one run, metrics as one JSON object on stdout.
fn child(args: &[String]) -> i32 {
    let [workload, engine, rest @ ..] = args else {
        eprintln!("--child needs a workload and an implementation");
        return 2;
    };
    let sizes = if rest.iter().any(|a| a == "--small") { Sizes::SMALL } else { Sizes::FULL };
    match runner::run(workload, engine, &sizes) {
        Ok(metrics) => {
            let obj: serde_json::Map<String, serde_json::Value> =
                metrics.into_iter().map(|(k, v)| (k, serde_json::json!(v))).collect();
            println!("{}", serde_json::Value::Object(obj));
            0
        }
        Err(e) => {
            eprintln!("{workload} on {engine}: {e}");
            1
        }
    }
}

/// Runs one child process and parses its metrics.
fn run_child(
    workload: &str,
    engine: &str,
    opts: &Options,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.arg("--child").arg(workload).arg(engine);
    if opts.small {
        cmd.arg("--small");
    }
    let mut proc = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start a child: {e}"))?;
    let start = Instant::now();
    loop {
        match proc.try_wait().map_err(|e| e.to_string())? {
            Some(_) => break,
            None if start.elapsed() > opts.timeout => {
                // Only this child, which we started, by its own handle.
                let _ = proc.kill();
                let _ = proc.wait();
                return Err(format!("timed out after {} s", opts.timeout.as_secs()));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let out = proc.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("child failed ({}): {}", out.status, stderr.trim()));
    }
    let line = String::from_utf8_lossy(&out.stdout);
    match serde_json::from_str(line.trim()) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(format!("child printed no metrics: {line:?}")),
    }
}

/// A JSON number, without a trailing `.0` for whole values (nanoseconds and bytes).
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else {
        serde_json::json!(v).to_string()
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        std::process::exit(child(&args[1..]));
    }
    if args.first().map(String::as_str) == Some("--table") {
        // `--table FILE`: Markdown tables from a `--json-out` file, for BENCHMARKS.md.
        let Some(path) = args.get(1) else {
            eprintln!("--table needs a file written by --json-out");
            std::process::exit(2);
        };
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2);
        });
        let (rows, other) = report::parse(&text);
        print!("{}", report::markdown(&rows));
        for line in other {
            println!("Not a measurement: `{line}`\n");
        }
        return;
    }
    let opts = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut json_out = opts.json_out.as_ref().map(|p| {
        std::fs::File::create(p).unwrap_or_else(|e| {
            eprintln!("cannot create {p}: {e}");
            std::process::exit(2);
        })
    });
    let mut failed = false;
    let mut emit = |line: String| {
        println!("{line}");
        if let Some(f) = json_out.as_mut() {
            let _ = writeln!(f, "{line}");
        }
    };
    for workload in &opts.workloads {
        let engines: Vec<String> = match &opts.impls {
            Some(list) => list.clone(),
            None => NAMES.iter().map(|n| (*n).to_owned()).collect(),
        };
        for engine in engines.iter().filter(|e| runner::supports(workload, e)) {
            let mut samples: Vec<(String, Vec<f64>)> = Vec::new();
            let mut error = None;
            for _ in 0..opts.runs {
                match run_child(workload, engine, &opts) {
                    Ok(metrics) => {
                        for (k, v) in metrics {
                            let v = v.as_f64().unwrap_or(f64::NAN);
                            match samples.iter_mut().find(|(name, _)| *name == k) {
                                Some((_, vs)) => vs.push(v),
                                None => samples.push((k, vec![v])),
                            }
                        }
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = error {
                failed = true;
                eprintln!("{workload} on {engine}: {e}");
                emit(format!(
                    "{{\"workload\":{},\"impl\":{},\"error\":{}}}",
                    serde_json::json!(workload),
                    serde_json::json!(engine),
                    serde_json::json!(e)
                ));
                continue;
            }
            // Time first, then memory, whatever order the child's JSON object had.
            samples.sort_by(|a, b| (!a.0.ends_with("_ns"), &a.0).cmp(&(!b.0.ends_with("_ns"), &b.0)));
            for (metric, mut values) in samples {
                let runs = values.len();
                let m = median(&mut values);
                // Keys in the documented order, which serde_json's sorted maps would not keep.
                emit(format!(
                    "{{\"workload\":{},\"impl\":{},\"metric\":{},\"median\":{},\"runs\":{runs}}}",
                    serde_json::json!(workload),
                    serde_json::json!(engine),
                    serde_json::json!(metric),
                    number(m)
                ));
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
