//! Every SQL and CLI example in `README.md` and `docs/*.md` runs against the demo.
//!
//! The examples are read from the fenced blocks when the test runs, so an example is
//! tested exactly as it is written:
//!
//! - ```` ```sql ```` blocks: each statement is sent over pgwire (simple protocol, as psql
//!   sends it) to `pathwarden serve` on the built-in demo. A `select`/`with` statement
//!   must return at least one row (the demo plants something for every example).
//! - ```` ```sh ````, ```` ```console ````, ```` ```bash ```` blocks: each line is a command.
//!   `pathwarden ARGS` and `cargo run [--release] -p pathwarden -- ARGS` run the test's
//!   binary with ARGS through `sh` (quotes and `# comments` as a shell reads them) in a
//!   directory whose `pathwarden.toml` serves the demo; `serve` is started on free ports
//!   and must listen; `psql ...` connects to the test daemon (its port replaces the one
//!   written) and runs `select 1` unless the line has `-c`. Any other command fails the
//!   test: such a block must be marked.
//! - Other blocks (`toml`, `cypher`, output) are not run.
//!
//! A marker in an HTML comment on the line before the fence changes that:
//! `<!-- example: skip (why) -->` (needs a cloud, a server, credentials or a long time;
//! the test prints the example and the reason), `<!-- example: exit 0,1 (why) -->` (exit
//! codes that count as success, e.g. `check` exits 1 when controls alarm), and
//! `<!-- example: may-be-empty (why) -->` (a query may return no rows on the demo).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Daemon;

/// How a marker changes the way an example is run.
#[derive(Debug, Clone, PartialEq, Default)]
struct Marker {
    skip: Option<String>,
    exit_codes: Option<Vec<i32>>,
    may_be_empty: bool,
}

/// One fenced block.
#[derive(Debug, Clone)]
struct Block {
    file: String,
    /// Line of the first line inside the fence (1-based).
    line: usize,
    lang: String,
    text: String,
    marker: Marker,
}

impl Block {
    fn name(&self, offset: usize, first: &str) -> String {
        format!(
            "{}:{} `{}`",
            self.file,
            self.line + offset,
            first.lines().next().unwrap_or("").trim()
        )
    }
}

fn parse_marker(comment: &str) -> Result<Marker, String> {
    let body = comment
        .trim()
        .strip_prefix("<!--")
        .and_then(|s| s.strip_suffix("-->"))
        .map(str::trim)
        .and_then(|s| s.strip_prefix("example:"))
        .map(str::trim)
        .ok_or_else(|| format!("not an example marker: {comment}"))?;
    let (directive, rest) = body.split_once(' ').unwrap_or((body, ""));
    let rest = rest.trim();
    // The reason is the text in parentheses; every marker must give one.
    let reason = rest
        .find('(')
        .and_then(|i| rest.rfind(')').map(|j| rest[i + 1..j].trim().to_string()))
        .filter(|r| !r.is_empty())
        .ok_or_else(|| format!("example marker without a (reason): {comment}"))?;
    let mut m = Marker::default();
    match directive {
        "skip" => m.skip = Some(reason),
        "exit" => {
            let codes = rest[..rest.find('(').unwrap_or(rest.len())]
                .split(',')
                .map(|c| c.trim().parse::<i32>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("example marker: bad exit codes ({e}): {comment}"))?;
            m.exit_codes = Some(codes);
        }
        "may-be-empty" => m.may_be_empty = true,
        other => return Err(format!("unknown example marker `{other}`: {comment}")),
    }
    Ok(m)
}

/// The fenced blocks of one Markdown text, with their markers.
fn blocks(file: &str, text: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_start();
        let Some(info) = l.strip_prefix("```") else {
            i += 1;
            continue;
        };
        let lang = info.split_whitespace().next().unwrap_or("").to_string();
        let marker = match lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim())
        {
            Some(prev) if prev.starts_with("<!-- example:") => {
                parse_marker(prev).map_err(|e| format!("{file}:{i}: {e}"))?
            }
            _ => Marker::default(),
        };
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        if end == lines.len() {
            return Err(format!("{file}:{}: unterminated code fence", i + 1));
        }
        out.push(Block {
            file: file.to_string(),
            line: start + 1,
            lang,
            text: lines[start..end].join("\n"),
            marker,
        });
        i = end + 1;
    }
    Ok(out)
}

/// Statements of a SQL block with the line (0-based, within the block) each starts on.
fn statements(sql: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start_line: Option<usize> = None;
    let mut line = 0;
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '-' && chars.peek() == Some(&'-') => {
                // A comment to the end of the line.
                for c2 in chars.by_ref() {
                    if c2 == '\n' {
                        line += 1;
                        cur.push('\n');
                        break;
                    }
                }
            }
            None if c == ';' => {
                if let Some(l) = start_line.take() {
                    out.push((l, cur.trim().to_string()));
                }
                cur.clear();
            }
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                if !c.is_whitespace() && start_line.is_none() {
                    start_line = Some(line);
                }
                cur.push(c);
            }
        }
    }
    if let Some(l) = start_line {
        out.push((l, cur.trim().to_string()));
    }
    out
}

/// The command without a trailing `# comment` (outside quotes), as `sh` reads it.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' && prev_space => return line[..i].trim_end(),
            None => {}
        }
        prev_space = c.is_whitespace();
    }
    line.trim_end()
}

/// What a CLI line asks for.
#[derive(Debug, PartialEq)]
enum Cli<'a> {
    /// Arguments (shell text) of the `pathwarden` binary.
    Pathwarden(&'a str),
    /// Arguments (shell text) of psql.
    Psql(&'a str),
    Other,
}

fn classify(cmd: &str) -> Cli<'_> {
    if let Some(rest) = cmd.strip_prefix("pathwarden ") {
        return Cli::Pathwarden(rest.trim());
    }
    if cmd == "pathwarden" {
        return Cli::Pathwarden("");
    }
    if let Some(rest) = cmd.strip_prefix("psql ") {
        return Cli::Psql(rest.trim());
    }
    if let Some(rest) = cmd.strip_prefix("cargo run ") {
        if let Some((opts, args)) = rest.split_once(" -- ") {
            let opts: Vec<&str> = opts.split_whitespace().collect();
            if opts.windows(2).any(|w| w == ["-p", "pathwarden"])
                || opts.contains(&"--bin=pathwarden")
            {
                return Cli::Pathwarden(args.trim());
            }
        }
    }
    Cli::Other
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// README.md and docs/*.md, repository-relative, in a stable order.
fn doc_files() -> Vec<String> {
    let root = repo_root();
    let mut files = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn all_blocks() -> Vec<Block> {
    let root = repo_root();
    let mut out = Vec::new();
    for f in doc_files() {
        let text = std::fs::read_to_string(root.join(&f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        out.extend(blocks(&f, &text).unwrap_or_else(|e| panic!("{e}")));
    }
    out
}

const SQL_LANGS: &[&str] = &["sql"];
const CLI_LANGS: &[&str] = &["sh", "console", "bash", "shell"];

fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Run `sh -c script` in `dir`, killing it after `limit`. Returns (exit code, stdout, stderr).
fn run_shell(script: &str, dir: &Path, limit: Duration) -> Result<(i32, String, String), String> {
    let out_path = dir.join("example.stdout");
    let err_path = dir.join("example.stderr");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env_remove("PATHWARDEN_CONFIG")
        .env("PATHWARDEN_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).map_err(|e| e.to_string())?)
        .stderr(std::fs::File::create(&err_path).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {} s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    Ok((
        status.code().unwrap_or(-1),
        read(&out_path),
        read(&err_path),
    ))
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(6)..].join(" | ")
}

/// `serve ARGS` started on free ports; it must listen within 60 s.
fn run_serve(args: &str, dir: &Path) -> Result<String, String> {
    let pg = common::free_port();
    let http = common::free_port();
    let err_path = dir.join("serve.stderr");
    let script = format!(
        "exec {} {args} --listen 127.0.0.1:{pg} --http-listen 127.0.0.1:{http}",
        single_quote(common::bin())
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env_remove("PATHWARDEN_CONFIG")
        .env("PATHWARDEN_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let result = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Err(format!(
                "exited ({status}): {}",
                tail(&std::fs::read_to_string(&err_path).unwrap_or_default())
            ));
        }
        if std::net::TcpStream::connect(("127.0.0.1", pg)).is_ok() {
            break Ok(format!("listening on 127.0.0.1:{pg}"));
        }
        if Instant::now() > deadline {
            break Err("did not listen within 60 s".to_string());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// psql ARGS against the test daemon: the port written is replaced by the daemon's.
fn run_psql(args: &str, daemon: &Daemon, dir: &Path) -> Result<String, String> {
    let mut words: Vec<String> = args.split_whitespace().map(str::to_string).collect();
    if let Some(i) = words.iter().position(|w| w == "-p") {
        if i + 1 < words.len() {
            words[i + 1] = daemon.pg_port.to_string();
        }
    } else {
        words.push("-p".into());
        words.push(daemon.pg_port.to_string());
    }
    if !words.iter().any(|w| w == "-c" || w == "-f") {
        words.push("-c".into());
        words.push("'select 1'".into());
    }
    let script = format!("psql -X -v ON_ERROR_STOP=1 {}", words.join(" "));
    let (code, out, err) = run_shell(&script, dir, Duration::from_secs(60))?;
    if code == 0 {
        Ok(format!("{} lines", out.lines().count()))
    } else {
        Err(format!("psql exited {code}: {}", tail(&err)))
    }
}

/// A directory whose `pathwarden.toml` serves the demo, for `--config pathwarden.toml`.
fn example_dir() -> PathBuf {
    let dir = common::temp_dir("examples");
    let config = format!(
        "[server]\ndata_dir = {:?}\n\n[[connection]]\nname = \"demo\"\nplugin = \"demo\"\n",
        dir.join("data").display().to_string()
    );
    std::fs::File::create(dir.join("pathwarden.toml"))
        .and_then(|mut f| f.write_all(config.as_bytes()))
        .expect("write pathwarden.toml");
    dir
}

fn is_query(stmt: &str) -> bool {
    let first = stmt
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    first == "select" || first == "with"
}

async fn run_sql_block(
    b: &Block,
    daemon: &Daemon,
    passed: &mut Vec<String>,
    failed: &mut Vec<String>,
) {
    let client = daemon.client().await;
    for (offset, stmt) in statements(&b.text) {
        let name = b.name(offset, &stmt);
        match client.simple_query(&stmt).await {
            Ok(msgs) => {
                let rows = msgs
                    .iter()
                    .filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_)))
                    .count();
                if rows == 0 && is_query(&stmt) && !b.marker.may_be_empty {
                    failed.push(format!(
                        "{name}: returned no rows on the demo (mark the block `<!-- example: may-be-empty (why) -->` if that is right)"
                    ));
                } else {
                    passed.push(format!("{name}: {rows} rows"));
                }
            }
            Err(e) => {
                let msg = match e.as_db_error() {
                    Some(db) => format!("SQLSTATE {}: {}", db.code().code(), db.message()),
                    None => e.to_string(),
                };
                failed.push(format!("{name}: {msg}"));
            }
        }
    }
}

fn run_cli_block(
    b: &Block,
    daemon: &Daemon,
    dir: &Path,
    passed: &mut Vec<String>,
    failed: &mut Vec<String>,
) {
    let ok_codes = b.marker.exit_codes.clone().unwrap_or_else(|| vec![0]);
    for (offset, raw) in b.text.lines().enumerate() {
        let line = raw.trim();
        let line = line.strip_prefix("$ ").unwrap_or(line);
        let cmd = strip_comment(line);
        if cmd.is_empty() {
            continue;
        }
        let name = b.name(offset, cmd);
        let result = match classify(cmd) {
            Cli::Pathwarden(args) if args.split_whitespace().next() == Some("serve") => {
                run_serve(args, dir)
            }
            Cli::Pathwarden(args) => {
                let script = format!("{} {args}", single_quote(common::bin()));
                match run_shell(&script, dir, Duration::from_secs(300)) {
                    Ok((code, out, _)) if ok_codes.contains(&code) => Ok(format!(
                        "exit {code}, {} lines of output",
                        out.lines().count()
                    )),
                    Ok((code, out, err)) => Err(format!(
                        "exit {code} (expected {ok_codes:?}): {}",
                        tail(if err.trim().is_empty() { &out } else { &err })
                    )),
                    Err(e) => Err(e),
                }
            }
            Cli::Psql(args) => run_psql(args, daemon, dir),
            Cli::Other => Err(
                "not a pathwarden or psql command; mark the block `<!-- example: skip (why) -->`"
                    .to_string(),
            ),
        };
        match result {
            Ok(what) => passed.push(format!("{name}: {what}")),
            Err(e) => failed.push(format!("{name}: {e}")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_and_docs_examples_run_against_the_demo() {
    let examples: Vec<Block> = all_blocks()
        .into_iter()
        .filter(|b| SQL_LANGS.contains(&b.lang.as_str()) || CLI_LANGS.contains(&b.lang.as_str()))
        .collect();
    assert!(
        examples.len() >= 8,
        "expected the README's and docs' examples, found {}",
        examples.len()
    );
    let daemon = Daemon::start("examples", None, &[]);
    let dir = example_dir();
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    for b in &examples {
        if let Some(reason) = &b.marker.skip {
            skipped.push(format!("{}: {reason}", b.name(0, &b.text)));
            continue;
        }
        if SQL_LANGS.contains(&b.lang.as_str()) {
            run_sql_block(b, &daemon, &mut passed, &mut failed).await;
        } else {
            run_cli_block(b, &daemon, &dir, &mut passed, &mut failed);
        }
    }
    for p in &passed {
        println!("ok      {p}");
    }
    for s in &skipped {
        println!("SKIPPED {s}");
    }
    for f in &failed {
        println!("FAILED  {f}");
    }
    assert!(
        failed.is_empty(),
        "{} of {} examples failed:\n{}",
        failed.len(),
        failed.len() + passed.len(),
        failed.join("\n")
    );
    assert!(!passed.is_empty());
}

#[test]
fn blocks_markers_and_statement_lines_are_read_as_written() {
    let md = "intro\n\n<!-- example: skip (needs AWS) -->\n```sh\npathwarden serve -c prod.toml\n```\n\n```sql\n-- first\nselect 1;\n\nselect ';' as x\nfrom t;\n```\n<!-- example: exit 0,1 (alarms) -->\n\n```console\n$ pathwarden check cis_aws_v3   # exit 1 on alarms\n```\n";
    let bs = blocks("X.md", md).expect("parse");
    assert_eq!(bs.len(), 3);
    assert_eq!(bs[0].marker.skip.as_deref(), Some("needs AWS"));
    assert_eq!(bs[0].line, 5);
    assert_eq!(bs[1].lang, "sql");
    assert_eq!(bs[1].marker, Marker::default());
    let stmts = statements(&bs[1].text);
    assert_eq!(
        stmts,
        vec![
            (1, "select 1".to_string()),
            (3, "select ';' as x\nfrom t".to_string())
        ]
    );
    assert_eq!(
        bs[1].name(stmts[1].0, &stmts[1].1),
        "X.md:12 `select ';' as x`"
    );
    assert_eq!(bs[2].marker.exit_codes, Some(vec![0, 1]));
    assert_eq!(
        strip_comment("pathwarden check x --where \"a = '#1'\"  # note"),
        "pathwarden check x --where \"a = '#1'\""
    );
    assert_eq!(
        classify("cargo run --release -p pathwarden -- serve"),
        Cli::Pathwarden("serve")
    );
    assert_eq!(classify("./scripts/test"), Cli::Other);
    assert!(
        parse_marker("<!-- example: skip -->").is_err(),
        "a reason is required"
    );
    assert!(parse_marker("<!-- example: sometimes (x) -->").is_err());
}
