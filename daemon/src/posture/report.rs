//! Reports of a benchmark or query run: a summary by section and status, and the
//! results, as a text table, JSON, CSV, Markdown or HTML.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::benchmark::STATUSES;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Summary table and the alarms, as text.
    Table,
    /// JSON document with summary and results.
    Json,
    /// One CSV row per result.
    Csv,
    /// Markdown.
    Md,
    /// A standalone HTML page.
    Html,
}

impl Format {
    /// From a config name (`json`, `csv`, `md`, `html`, `table`).
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "table" | "txt" => Format::Table,
            "json" => Format::Json,
            "csv" => Format::Csv,
            "md" | "markdown" => Format::Md,
            "html" => Format::Html,
            _ => return None,
        })
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Md => "md",
            Format::Html => "html",
        }
    }
}

/// One result line of a report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    /// Control id.
    pub control_id: String,
    /// Control title.
    pub title: String,
    /// Section id.
    pub section: String,
    /// Severity.
    pub severity: String,
    /// Resource.
    pub resource: String,
    /// Status.
    pub status: String,
    /// Reason.
    pub reason: String,
    /// Account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// Relative to the previous run: new, unchanged, changed, resolved (absent outside runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// Counts by status.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// ok
    pub ok: i64,
    /// alarm
    pub alarm: i64,
    /// info
    pub info: i64,
    /// skip
    pub skip: i64,
    /// error
    pub error: i64,
}

impl Counts {
    /// Count one status.
    pub fn add(&mut self, status: &str) {
        match status {
            "ok" => self.ok += 1,
            "alarm" => self.alarm += 1,
            "info" => self.info += 1,
            "skip" => self.skip += 1,
            _ => self.error += 1,
        }
    }
    fn get(&self, status: &str) -> i64 {
        match status {
            "ok" => self.ok,
            "alarm" => self.alarm,
            "info" => self.info,
            "skip" => self.skip,
            _ => self.error,
        }
    }
}

/// A report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Benchmark or job title.
    pub title: String,
    /// Benchmark id, when a benchmark ran.
    pub benchmark: Option<String>,
    /// Job name, when a job ran.
    pub job: Option<String>,
    /// Run id, when the run was stored.
    pub run_id: Option<i64>,
    /// When the report was produced.
    pub generated_at: String,
    /// Section id → title, in order.
    pub sections: Vec<(String, String)>,
    /// New/resolved/unchanged alarms relative to the previous run.
    pub changes: Option<Changes>,
    /// The results.
    pub rows: Vec<ReportRow>,
}

/// Alarm changes relative to the previous run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    /// Previous run compared against.
    pub previous_run_id: Option<i64>,
    /// Alarms that were not alarms before.
    pub new: i64,
    /// Alarms of the previous run that are gone.
    pub resolved: i64,
    /// Alarms in both runs.
    pub unchanged: i64,
}

impl Report {
    /// Counts by section (in section order) and the totals.
    pub fn summary(&self) -> (Vec<(String, String, Counts)>, Counts) {
        let mut by: BTreeMap<String, Counts> = BTreeMap::new();
        let mut total = Counts::default();
        for r in &self.rows {
            by.entry(r.section.clone()).or_default().add(&r.status);
            total.add(&r.status);
        }
        let mut out = Vec::new();
        for (id, title) in &self.sections {
            if let Some(c) = by.remove(id) {
                out.push((id.clone(), title.clone(), c));
            }
        }
        for (id, c) in by {
            out.push((id.clone(), String::new(), c));
        }
        (out, total)
    }

    /// Render in `format`.
    pub fn render(&self, format: Format) -> Result<String> {
        Ok(match format {
            Format::Table => self.table(),
            Format::Json => {
                let (sections, total) = self.summary();
                let sections: Vec<serde_json::Value> = sections
                    .iter()
                    .map(|(id, title, c)| serde_json::json!({"section": id, "title": title, "counts": c}))
                    .collect();
                serde_json::to_string_pretty(&serde_json::json!({
                    "title": self.title,
                    "benchmark": self.benchmark,
                    "job": self.job,
                    "run_id": self.run_id,
                    "generated_at": self.generated_at,
                    "summary": {"total": total, "sections": sections},
                    "changes": self.changes,
                    "results": self.rows,
                }))?
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record([
                    "control_id",
                    "title",
                    "section",
                    "severity",
                    "resource",
                    "status",
                    "reason",
                    "account_id",
                    "region",
                    "change",
                ])?;
                for r in &self.rows {
                    w.write_record([
                        &r.control_id,
                        &r.title,
                        &r.section,
                        &r.severity,
                        &r.resource,
                        &r.status,
                        &r.reason,
                        &r.account_id,
                        &r.region,
                        r.change.as_deref().unwrap_or(""),
                    ])?;
                }
                String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?)?
            }
            Format::Md => self.markdown(),
            Format::Html => self.html()?,
        })
    }

    fn table(&self) -> String {
        let (sections, total) = self.summary();
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::ASCII_MARKDOWN);
        let mut header = vec!["section".to_string(), "title".to_string()];
        header.extend(STATUSES.iter().map(|s| s.to_string()));
        t.set_header(header);
        for (id, title, c) in &sections {
            let mut row = vec![id.clone(), title.clone()];
            row.extend(STATUSES.iter().map(|s| c.get(s).to_string()));
            t.add_row(row);
        }
        let mut row = vec!["total".to_string(), String::new()];
        row.extend(STATUSES.iter().map(|s| total.get(s).to_string()));
        t.add_row(row);
        let mut out = format!("{}\n\n{t}\n", self.title);
        if let Some(c) = &self.changes {
            out.push_str(&format!(
                "\nalarms: {} new, {} resolved, {} unchanged\n",
                c.new, c.resolved, c.unchanged
            ));
        }
        let bad: Vec<&ReportRow> = self
            .rows
            .iter()
            .filter(|r| r.status == "alarm" || r.status == "error")
            .collect();
        if !bad.is_empty() {
            out.push_str("\nalarms and errors:\n");
            for r in bad {
                out.push_str(&format!(
                    "  {:<6} {:<6} {}  {}\n",
                    r.control_id, r.status, r.resource, r.reason
                ));
            }
        }
        out
    }

    fn markdown(&self) -> String {
        let (sections, total) = self.summary();
        let mut out = format!("# {}\n\nGenerated {}", md(&self.title), self.generated_at);
        if let Some(id) = self.run_id {
            out.push_str(&format!(", run {id}"));
        }
        out.push_str("\n\n## Summary\n\n| section | title | ok | alarm | info | skip | error |\n|---|---|---|---|---|---|---|\n");
        for (id, title, c) in &sections {
            out.push_str(&format!(
                "| {id} | {} | {} | {} | {} | {} | {} |\n",
                md(title),
                c.ok,
                c.alarm,
                c.info,
                c.skip,
                c.error
            ));
        }
        out.push_str(&format!(
            "| **total** | | {} | {} | {} | {} | {} |\n",
            total.ok, total.alarm, total.info, total.skip, total.error
        ));
        if let Some(c) = &self.changes {
            out.push_str(&format!(
                "\nAlarms: {} new, {} resolved, {} unchanged.\n",
                c.new, c.resolved, c.unchanged
            ));
        }
        out.push_str("\n## Alarms and errors\n\n| control | severity | status | resource | reason | account | region |\n|---|---|---|---|---|---|---|\n");
        for r in self
            .rows
            .iter()
            .filter(|r| r.status == "alarm" || r.status == "error")
        {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                md(&r.control_id),
                md(&r.severity),
                r.status,
                md(&r.resource),
                md(&r.reason),
                md(&r.account_id),
                md(&r.region)
            ));
        }
        out
    }

    /// The standalone HTML page, from the console's templates.
    fn html(&self) -> Result<String> {
        use askama::Template;
        let view = crate::console::views::ReportView::new(self, true);
        Ok(crate::console::views::ReportPage { r: &view }.render()?)
    }
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let row = |s: &str, st: &str| ReportRow {
            control_id: "1.4".into(),
            title: "t".into(),
            section: s.into(),
            severity: "high".into(),
            resource: "<root_account>".into(),
            status: st.into(),
            reason: "a|b".into(),
            account_id: "1".into(),
            region: "global".into(),
            change: None,
        };
        Report {
            title: "CIS".into(),
            benchmark: Some("cis_aws_v3".into()),
            job: None,
            run_id: None,
            generated_at: "now".into(),
            sections: vec![("1".into(), "IAM".into()), ("2".into(), "Storage".into())],
            changes: None,
            rows: vec![row("1", "alarm"), row("1", "ok"), row("2", "skip")],
        }
    }

    #[test]
    fn summary_counts_by_section() {
        let (s, total) = report().summary();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].2.alarm, 1);
        assert_eq!(s[0].2.ok, 1);
        assert_eq!(s[1].2.skip, 1);
        assert_eq!(total.ok + total.alarm + total.skip, 3);
    }

    #[test]
    fn html_and_markdown_escape() {
        let r = report();
        let h = r.render(Format::Html).unwrap();
        assert!(h.contains("&#60;root_account&#62;") && !h.contains("<root_account>"));
        let m = r.render(Format::Md).unwrap();
        assert!(m.contains("a\\|b"));
        let c = r.render(Format::Csv).unwrap();
        assert_eq!(c.lines().count(), 4);
    }
}
