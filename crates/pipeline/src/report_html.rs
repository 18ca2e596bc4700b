//! `report.html`: the run report as one self-contained page. CSS and SVG charts are inline; a
//! few lines of script only check that every chart drew and say so on the page (the browser test
//! reads that). No network is needed to view it. Every value from the data is HTML-escaped.

use std::fmt::Write;

use crate::report::RunReport;

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
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

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A horizontal bar chart: one row per item (label, value, text shown after the bar).
fn bars(title: &str, items: &[(String, f64, String)]) -> String {
    let row = 22.0;
    let (label_w, bar_w) = (300.0, 380.0);
    let height = row * items.len().max(1) as f64 + 10.0;
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1e-9);
    let mut s = format!(
        "<figure><figcaption>{}</figcaption><svg class=\"chart\" data-points=\"{}\" \
         viewBox=\"0 0 {} {height}\" width=\"100%\" role=\"img\">",
        esc(title),
        items.len(),
        label_w + bar_w + 120.0
    );
    for (i, (label, value, text)) in items.iter().enumerate() {
        let y = 5.0 + row * i as f64;
        // Long names are cut on screen; the bar's tooltip keeps them whole.
        let shown: String = if label.chars().count() > 42 {
            label.chars().take(41).chain(std::iter::once('…')).collect()
        } else {
            label.clone()
        };
        let w = (value / max * bar_w).max(1.0);
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\"><title>{}: {}</title></rect>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            label_w - 6.0,
            y + 15.0,
            esc(&shown),
            row - 6.0,
            esc(label),
            esc(text),
            label_w + w + 6.0,
            y + 15.0,
            esc(text)
        );
    }
    s.push_str("</svg></figure>");
    s
}

/// Learners per city as dots on an equirectangular projection (no map data needed).
fn map(r: &RunReport) -> String {
    let (w, h) = (720.0, 360.0);
    let cities = &r.distribution.cities;
    let max = cities.iter().map(|c| c.learners).max().unwrap_or(1).max(1) as f64;
    let mut s = format!(
        "<figure><figcaption>Learners per city (dots by coordinates; area by learners)</figcaption>\
         <svg class=\"chart map\" data-points=\"{}\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\">\
         <rect class=\"sea\" x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\"/>",
        cities.len()
    );
    for lon in (-180..=180).step_by(30) {
        let x = (f64::from(lon) + 180.0) / 360.0 * w;
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{x}\" y1=\"0\" x2=\"{x}\" y2=\"{h}\"/>"
        );
    }
    for lat in (-90..=90).step_by(30) {
        let y = (90.0 - f64::from(lat)) / 180.0 * h;
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"0\" y1=\"{y}\" x2=\"{w}\" y2=\"{y}\"/>"
        );
    }
    for c in cities {
        let x = (c.longitude + 180.0) / 360.0 * w;
        let y = (90.0 - c.latitude) / 180.0 * h;
        let radius = 1.5 + 9.0 * (c.learners as f64 / max).sqrt();
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius:.1}\"><title>{} ({}): {} learners</title></circle>",
            esc(&c.name),
            esc(&c.country),
            thousands(c.learners)
        );
    }
    s.push_str("</svg></figure>");
    s
}

/// Throughput over time, from the collector's timeline: rows/s and input MB/s per interval.
fn throughput(r: &RunReport) -> String {
    let points: Vec<(f64, f64, f64)> = r
        .timeline
        .windows(2)
        .filter(|w| w[1].0 > w[0].0)
        .map(|w| {
            let dt = w[1].0 - w[0].0;
            let rows = (w[1].1 - w[0].1) as f64 / dt;
            let mb = (w[1].2 - w[0].2) as f64 / 1e6 / dt;
            (w[1].0, rows, mb)
        })
        .collect();
    let (w, h, pad) = (720.0, 220.0, 40.0);
    let t_max = points.last().map_or(1.0, |p| p.0).max(1e-9);
    let r_max = points.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-9);
    let m_max = points.iter().map(|p| p.2).fold(0.0, f64::max).max(1e-9);
    let line = |f: &dyn Fn(&(f64, f64, f64)) -> f64, max: f64| -> String {
        points
            .iter()
            .map(|p| {
                let x = pad + p.0 / t_max * (w - 2.0 * pad);
                let y = h - pad - f(p) / max * (h - 2.0 * pad);
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "<figure><figcaption>Throughput over time: rows written per second (peak {} rows/s) and input read \
         (peak {:.0} MB/s), over {:.1} s of load</figcaption>\
         <svg class=\"chart\" data-points=\"{}\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\">\
         <line class=\"axis\" x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\
         <polyline class=\"rows\" points=\"{}\"/><polyline class=\"bytes\" points=\"{}\"/>\
         <text x=\"{pad}\" y=\"{}\">0 s</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.1} s</text>\
         </svg><p class=\"legend\"><span class=\"rows\">■</span> rows/s &nbsp; <span class=\"bytes\">■</span> MB/s read</p></figure>",
        thousands(r_max as u64),
        m_max,
        t_max,
        points.len(),
        h - pad,
        w - pad,
        h - pad,
        line(&|p| p.1, r_max),
        line(&|p| p.2, m_max),
        h - pad + 16.0,
        w - pad,
        h - pad + 16.0,
        t_max
    )
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>");
    for row in rows {
        s.push_str("<tr>");
        for cell in row {
            let _ = write!(s, "<td>{}</td>", esc(cell));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

/// The whole page.
pub fn render(r: &RunReport) -> String {
    let rows = &r.rows;
    let t = &r.timings;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>learngraph run report</h1><p class=\"meta\">learngraph {} &middot; target {} &middot; {} &middot; \
         {:.1} s, {} rows/s, peak {} MiB &middot; accounting {}</p>",
        esc(r.version),
        esc(&r.target),
        esc(&r.inputs.iter().map(|i| format!("{} ({} bytes)", i.path.display(), thousands(i.bytes))).collect::<Vec<_>>().join(", ")),
        t.total_s,
        thousands(t.rows_per_s as u64),
        t.peak_rss_mib.map_or("?".into(), |m| format!("{m:.0}")),
        if rows.balanced { "balanced" } else { "NOT BALANCED" }
    );
    body.push_str("<h2>Rows</h2>");
    body.push_str(&bars(
        &format!("{} rows read", thousands(rows.read)),
        &[
            ("loaded".into(), rows.loaded as f64, thousands(rows.loaded)),
            (
                "merged into a later duplicate".into(),
                rows.merged as f64,
                thousands(rows.merged),
            ),
            (
                "quarantined".into(),
                rows.quarantined as f64,
                thousands(rows.quarantined),
            ),
        ],
    ));
    let reasons: Vec<Vec<String>> = rows
        .quarantined_by_reason
        .iter()
        .map(|(k, v)| vec![k.to_string(), thousands(*v)])
        .collect();
    body.push_str(&table(&["quarantine reason", "rows"], &reasons));
    body.push_str("<h2>Geography</h2>");
    let coverage: Vec<(String, f64, String)> = r
        .geo
        .iter()
        .map(|(col, g)| {
            (
                col.to_string(),
                g.coverage * 100.0,
                format!("{:.2}%", g.coverage * 100.0),
            )
        })
        .collect();
    body.push_str(&bars(
        "Resolved share of non-empty values, per column",
        &coverage,
    ));
    for (col, g) in &r.geo {
        let top: Vec<Vec<String>> = g
            .top_unresolved
            .iter()
            .take(15)
            .map(|(v, n)| vec![v.clone(), thousands(*n)])
            .collect();
        let _ = write!(
            body,
            "<h3>{}: {} resolved, {} ambiguous, {} unknown; {} distinct values unresolved</h3>",
            esc(col),
            thousands(g.resolved),
            thousands(g.ambiguous),
            thousands(g.unknown),
            thousands(g.distinct_unresolved as u64)
        );
        body.push_str(&table(&["most frequent unresolved value", "count"], &top));
    }
    let d = &r.distribution;
    body.push_str("<h2>Learners</h2>");
    let region: Vec<(String, f64, String)> = d
        .by_region
        .iter()
        .map(|(k, n)| (k.clone(), *n as f64, thousands(*n)))
        .collect();
    body.push_str(&bars("Learners by UN region of residence", &region));
    let country: Vec<(String, f64, String)> = d
        .by_country
        .iter()
        .take(25)
        .map(|(code, name, n)| (format!("{name} ({code})"), *n as f64, thousands(*n)))
        .collect();
    body.push_str(&bars("Learners by country of residence (top 25)", &country));
    body.push_str(&map(r));
    let skills: Vec<(String, f64, String)> = d
        .top_skills
        .iter()
        .map(|(k, n)| (k.clone(), *n as f64, thousands(*n)))
        .collect();
    body.push_str(&bars("Top skills", &skills));
    body.push_str("<h2>Throughput</h2>");
    body.push_str(&throughput(r));
    let stages = vec![
        vec![
            "first pass (prescan, pre-flight)".into(),
            format!("{:.2} s", t.prescan_s),
        ],
        vec![
            "load (all stages overlapped)".into(),
            format!("{:.2} s", t.load_s),
        ],
        vec!["read, busy".into(), format!("{:.2} s", t.read_busy_s)],
        vec![
            format!("transform, busy over {} workers", t.workers),
            format!("{:.2} s", t.transform_busy_s),
        ],
        vec!["write, busy".into(), format!("{:.2} s", t.write_busy_s)],
    ];
    body.push_str(&table(&["stage", "time"], &stages));
    body.push_str("<h2>Graph</h2>");
    let mut graph: Vec<Vec<String>> = r
        .graph
        .nodes
        .iter()
        .map(|(k, v)| vec![format!("(:{k})"), thousands(*v)])
        .collect();
    graph.extend(
        r.graph
            .relationships
            .iter()
            .map(|(k, v)| vec![format!("[:{k}]"), thousands(*v)]),
    );
    body.push_str(&table(&["nodes and relationships", "count"], &graph));
    let g = &r.graph;
    if g.learners_unchanged + g.learners_updated + g.learners_missing > 0 {
        body.push_str("<h2>Against what the target held</h2>");
        let rows: Vec<Vec<String>> = [
            ("added", g.learners_added),
            ("updated", g.learners_updated),
            ("unchanged, not written", g.learners_unchanged),
            ("missing from this export", g.learners_missing),
            ("deleted", g.learners_deleted),
        ]
        .iter()
        .map(|(k, v)| vec![k.to_string(), thousands(*v)])
        .collect();
        body.push_str(&table(&["learners", "count"], &rows));
        if !g.missing_sample.is_empty() {
            body.push_str(&format!(
                "<p>Missing, first {} by key: {}</p>",
                g.missing_sample.len().min(50),
                esc(&g.missing_sample[..g.missing_sample.len().min(50)].join(", "))
            ));
        }
    }
    body.push_str("<h2>Nulls by column and reason</h2>");
    let nulls: Vec<Vec<String>> = r
        .nulls
        .iter()
        .flat_map(|(col, reasons)| {
            reasons
                .iter()
                .map(move |(why, n)| vec![col.to_string(), why.to_string(), thousands(*n)])
        })
        .collect();
    body.push_str(&table(&["column", "reason", "nulls"], &nulls));
    let _ = write!(
        body,
        "<h2>Settings</h2><pre>{}</pre><p id=\"chart-status\"></p>",
        esc(&r.settings.to_toml())
    );
    format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
        <title>learngraph run report</title><style>{CSS}</style></head><body>{body}<script>{SCRIPT}</script></body></html>\n")
}

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#222}\
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1em}\
.meta{color:#555}figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}\
svg text{font-size:12px;fill:#333}svg rect{fill:#3b7dd8}svg .sea{fill:#eef4fb}\
svg .grid{stroke:#cdd9e5;stroke-width:.5}svg circle{fill:#d8553b;fill-opacity:.6;stroke:#a33}\
svg .axis{stroke:#999}polyline{fill:none;stroke-width:2}polyline.rows{stroke:#3b7dd8}\
polyline.bytes{stroke:#d8553b}.legend .rows{color:#3b7dd8}.legend .bytes{color:#d8553b}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}\
pre{background:#f6f8fa;padding:1em;overflow:auto}";

/// Marks the page: `data-charts` is the number of charts that drew, `data-empty` lists those
/// that had data but drew nothing.
const SCRIPT: &str = "(function(){var ok=0,empty=[];\
document.querySelectorAll('svg.chart').forEach(function(svg,i){\
var n=+svg.getAttribute('data-points');var marks=svg.querySelectorAll('rect:not(.sea),circle,polyline');\
var drawn=Array.prototype.some.call(marks,function(m){var b=m.getBBox();return b.width>0||b.height>0;});\
if(drawn||n===0){ok++;}else{empty.push(i);}});\
document.body.setAttribute('data-charts',ok);document.body.setAttribute('data-empty',empty.join(','));\
document.getElementById('chart-status').textContent=ok+' charts drawn'+(empty.length?', empty: '+empty.join(','):'');})();";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(thousands(1_700_000), "1,700,000");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn a_bar_chart_has_one_bar_per_item_and_escapes_labels() {
        let svg = bars(
            "t",
            &[
                ("<b>x</b>".into(), 2.0, "2".into()),
                ("y".into(), 1.0, "1".into()),
            ],
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("&lt;b&gt;x&lt;/b&gt;") && !svg.contains("<b>x</b>"));
    }
}
