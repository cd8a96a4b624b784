//! A self-contained HTML report: one file with inline CSS and inline SVG charts, no scripts,
//! no fonts, no images or links to fetch. A Content-Security-Policy (`default-src 'none'`)
//! forbids any request, so a browser would log anything that tried one.
//!
//! The report is a plain value ([`HtmlReport`]: sections of paragraphs, tables and charts)
//! composed by the command-line front end; this module only renders and writes it.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::Result;

/// The policy in the report's `<meta>`: nothing may be fetched; inline styles (and `data:`
/// images) only.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// A table of text cells; cells that read as numbers are right-aligned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HtmlTable {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// A piece of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of text (escaped).
    Paragraph(String),
    /// A table with a caption.
    Table {
        /// Shown above the table.
        caption: String,
        /// The table.
        table: HtmlTable,
    },
    /// An SVG chart (inlined as is: it must come from [`crate::io::plot`]).
    Svg {
        /// Shown under the chart.
        caption: String,
        /// The SVG document.
        svg: String,
    },
    /// A list of files (names relative to the report).
    Files(Vec<String>),
}

/// A section with a title and its blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// HTML id, for the table of contents.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Content.
    pub blocks: Vec<Block>,
}

/// The report.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlReport {
    /// Page title and heading.
    pub title: String,
    /// Lines under the heading (data, dates, options).
    pub subtitle: Vec<String>,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d2733;background:#f4f6f8}\
header{background:#1f3b57;color:#fff;padding:24px 40px}\
header h1{margin:0 0 6px 0;font-size:28px}\
header p{margin:2px 0;opacity:.9}\
nav{padding:10px 40px;background:#e3e9ef;font-size:14px}\
nav a{margin-right:16px;color:#1f3b57}\
main{padding:10px 40px 40px 40px;max-width:1200px}\
section{background:#fff;border-radius:6px;padding:16px 24px;margin:18px 0;box-shadow:0 1px 3px rgba(0,0,0,.12)}\
h2{color:#1f3b57;border-bottom:2px solid #e3e9ef;padding-bottom:6px}\
table{border-collapse:collapse;margin:8px 0 16px 0;font-size:14px}\
caption{text-align:left;font-weight:600;padding:4px 0}\
th,td{border:1px solid #d5dde5;padding:4px 10px}\
th{background:#eef2f6;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:12px 0}\
figure svg{width:100%;max-width:900px;height:auto;border:1px solid #e3e9ef}\
figcaption{font-size:13px;color:#56636f}\
.files{font-family:monospace;font-size:13px;columns:3}";

fn is_number(s: &str) -> bool {
    let t = s.trim_end_matches('%');
    !t.is_empty() && t.replace(',', "").parse::<f64>().is_ok()
}

fn table_html(out: &mut String, caption: &str, t: &HtmlTable) {
    out.push_str("<table>");
    if !caption.is_empty() {
        let _ = write!(out, "<caption>{}</caption>", escape(caption));
    }
    out.push_str("<thead><tr>");
    for h in &t.header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            let class = if is_number(c) { " class=\"n\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
}

/// The SVG element of a chart: from `<svg` on (an XML declaration before it is dropped),
/// without the SVG namespace attribute, which HTML does not need (so the report holds no URL
/// at all).
fn inline_svg(svg: &str) -> String {
    let from = svg.find("<svg").map_or(svg, |i| &svg[i..]);
    from.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// Renders the report as one HTML document.
pub fn render_html(report: &HtmlReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header><h1>{}</h1>",
        CONTENT_SECURITY_POLICY,
        escape(&report.title),
        escape(&report.title)
    );
    for line in &report.subtitle {
        let _ = write!(out, "<p>{}</p>", escape(line));
    }
    out.push_str("</header>\n<nav>");
    for s in &report.sections {
        let _ = write!(
            out,
            "<a href=\"#{}\">{}</a>",
            escape(&s.id),
            escape(&s.title)
        );
    }
    out.push_str("</nav>\n<main>\n");
    for s in &report.sections {
        let _ = write!(
            out,
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            escape(&s.id),
            escape(&s.title)
        );
        for b in &s.blocks {
            match b {
                Block::Paragraph(p) => {
                    let _ = writeln!(out, "<p>{}</p>", escape(p));
                }
                Block::Table { caption, table } => table_html(&mut out, caption, table),
                Block::Svg { caption, svg } => {
                    let _ = writeln!(
                        out,
                        "<figure>{}<figcaption>{}</figcaption></figure>",
                        inline_svg(svg),
                        escape(caption)
                    );
                }
                Block::Files(files) => {
                    out.push_str("<ul class=\"files\">");
                    for f in files {
                        let _ = write!(out, "<li>{}</li>", escape(f));
                    }
                    out.push_str("</ul>\n");
                }
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// Writes the report to `path` atomically.
///
/// # Errors
/// [`crate::Error::Io`] naming `path`.
pub fn write_html(path: &Path, report: &HtmlReport) -> Result<()> {
    let html = render_html(report);
    super::atomic_write(path, |w| {
        w.write_all(html.as_bytes()).map_err(super::write_error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_escaped_self_contained_html() {
        let r = HtmlReport {
            title: "A <b> & c".into(),
            subtitle: vec!["x".into()],
            sections: vec![Section {
                id: "s".into(),
                title: "S".into(),
                blocks: vec![
                    Block::Paragraph("1 < 2".into()),
                    Block::Table {
                        caption: "t".into(),
                        table: HtmlTable {
                            header: vec!["a".into()],
                            rows: vec![vec!["1,234.5".into()], vec!["b".into()]],
                        },
                    },
                    Block::Svg {
                        caption: "c".into(),
                        svg: "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"
                            .into(),
                    },
                ],
            }],
        };
        let h = render_html(&r);
        assert!(h.contains("<title>A &lt;b&gt; &amp; c</title>"));
        assert!(h.contains("<p>1 &lt; 2</p>"));
        assert!(h.contains("<td class=\"n\">1,234.5</td><"));
        assert!(h.contains("<td>b</td>"));
        assert!(h.contains("<figure><svg></svg>"));
        assert!(!h.contains("<?xml"));
        assert!(h.contains(CONTENT_SECURITY_POLICY));
        assert!(!h.contains("http://") && !h.contains("https://") && !h.contains("<script"));
    }
}
