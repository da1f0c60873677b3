//! The `text/html` view of a tensor: a header, a stats line and summarised tables.

use super::element::ElementFormat;
use super::elide::{slots, strides, Slot};
use super::view::{ElementKind, TensorView};
use crate::html::escape_html;

/// How much of a tensor the HTML view shows before eliding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableLimits {
    /// Rows shown in full up to this count; beyond, half from each end.
    pub max_rows: usize,
    /// Columns shown in full up to this count; beyond, half from each end.
    pub max_cols: usize,
    /// 2-D slices of a 3-D+ tensor shown in full up to this count.
    pub max_slices: usize,
}

impl Default for TableLimits {
    fn default() -> Self {
        Self {
            max_rows: 16,
            max_cols: 12,
            max_slices: 6,
        }
    }
}

const TABLE_STYLE: &str = "border-collapse: collapse; font-family: monospace; font-size: 12px; \
                           margin: 2px 0 8px 0";
const CELL_STYLE: &str = "padding: 1px 8px; text-align: right; border: none";
const INDEX_STYLE: &str = "padding: 1px 8px; text-align: right; border: none; color: #888; \
                           font-weight: normal";

impl TableLimits {
    /// These limits, narrowed so that no more than `edge` indices from each end are shown.
    fn within(&self, edge: usize) -> Self {
        let cap = |limit: usize| limit.min(edge.saturating_mul(2));
        Self {
            max_rows: cap(self.max_rows),
            max_cols: cap(self.max_cols),
            max_slices: cap(self.max_slices),
        }
    }
}

/// The tensor as an HTML fragment within `limits`.
pub fn tensor_html(view: &TensorView, limits: &TableLimits) -> String {
    let limits = limits.within(view.held_edge());
    let mut out = String::from("<div class=\"born-tensor\">");
    out.push_str(&header(view));
    if view.kind() == ElementKind::Float && view.numel() > 0 {
        out.push_str(&format!(
            "<div style=\"font-family: monospace; font-size: 12px; color: #555\">{}</div>",
            escape_html(&view.stats().line())
        ));
    }
    out.push_str(&body(view, &limits));
    out.push_str("</div>");
    out
}

fn header(view: &TensorView) -> String {
    let mut parts = vec![
        format!("shape {:?}", view.shape()),
        view.dtype().to_string(),
        view.device_name().to_string(),
    ];
    if view.tracks_grad() {
        parts.push("requires_grad".to_string());
    }
    format!(
        "<div style=\"font-family: monospace; font-size: 13px\"><b>Tensor</b> {}</div>",
        escape_html(&parts.join(" · "))
    )
}

fn body(view: &TensorView, limits: &TableLimits) -> String {
    let shape = view.shape();
    if view.numel() == 0 {
        return "<div style=\"font-family: monospace\">(empty)</div>".to_string();
    }
    let value = |index: &[usize]| view.get(index).unwrap_or(f64::NAN);
    match shape.len() {
        0 => {
            let scalar = value(&[]);
            let format = ElementFormat::for_values(view.kind(), &[scalar]);
            format!(
                "<div style=\"font-family: monospace; font-size: 14px\">{}</div>",
                escape_html(&format.write(scalar))
            )
        }
        1 => Table::new(1, shape[0], limits).render(&|_, c| value(&[c]), view.kind(), false),
        _ => slices(view, limits),
    }
}

/// Tensors of two or more dimensions: each 2-D slice as a table, titled by its index.
fn slices(view: &TensorView, limits: &TableLimits) -> String {
    let shape = view.shape();
    let (lead, tail) = shape.split_at(shape.len() - 2);
    let table = Table::new(tail[0], tail[1], limits);
    let cell = |lead_index: &[usize], r: usize, c: usize| {
        let mut index = lead_index.to_vec();
        index.extend([r, c]);
        view.get(&index).unwrap_or(f64::NAN)
    };
    if lead.is_empty() {
        return table.render(&|r, c| cell(&[], r, c), view.kind(), true);
    }
    let count: usize = lead.iter().product();
    let lead_strides = strides(lead);
    let mut out = String::new();
    for slot in slots(count, limits.max_slices, limits.max_slices / 2) {
        match slot {
            Slot::Index(n) => {
                let lead_index: Vec<usize> = lead_strides
                    .iter()
                    .zip(lead)
                    .map(|(stride, dim)| (n / stride) % dim)
                    .collect();
                let title: Vec<String> = lead_index
                    .iter()
                    .map(ToString::to_string)
                    .chain([":".to_string(), ":".to_string()])
                    .collect();
                out.push_str(&format!(
                    "<div style=\"font-family: monospace; font-size: 12px\">[{}]</div>",
                    title.join(", ")
                ));
                let render = |r: usize, c: usize| cell(&lead_index, r, c);
                out.push_str(&table.render(&render, view.kind(), true));
            }
            Slot::Gap => {
                let hidden = count - 2 * (limits.max_slices / 2);
                out.push_str(&format!(
                    "<div style=\"font-family: monospace; font-size: 12px; color: #888\">\
                     … {hidden} more slices …</div>"
                ));
            }
        }
    }
    out
}

/// Which rows and columns of a `rows x cols` block are shown.
struct Table {
    rows: Vec<Slot>,
    cols: Vec<Slot>,
}

impl Table {
    fn new(rows: usize, cols: usize, limits: &TableLimits) -> Self {
        Self {
            rows: slots(rows, limits.max_rows, limits.max_rows / 2),
            cols: slots(cols, limits.max_cols, limits.max_cols / 2),
        }
    }

    /// The block whose cell `(r, c)` is `value(r, c)`; `row_index` adds row numbers.
    fn render(
        &self,
        value: &dyn Fn(usize, usize) -> f64,
        kind: ElementKind,
        row_index: bool,
    ) -> String {
        let shown: Vec<f64> = self
            .row_indices()
            .flat_map(|r| self.col_indices().map(move |c| value(r, c)))
            .collect();
        let format = ElementFormat::for_values(kind, &shown);
        let mut out = format!("<table style=\"{TABLE_STYLE}\"><thead><tr>");
        if row_index {
            out.push_str(&format!("<th style=\"{INDEX_STYLE}\"></th>"));
        }
        for col in &self.cols {
            out.push_str(&format!(
                "<th style=\"{INDEX_STYLE}\">{}</th>",
                label(*col, "…")
            ));
        }
        out.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            out.push_str("<tr>");
            if row_index {
                out.push_str(&format!(
                    "<th style=\"{INDEX_STYLE}\">{}</th>",
                    label(*row, "⋮")
                ));
            }
            for col in &self.cols {
                let cell = match (row, col) {
                    (Slot::Index(r), Slot::Index(c)) => escape_html(&format.write(value(*r, *c))),
                    (Slot::Gap, Slot::Gap) => "⋱".to_string(),
                    (Slot::Gap, _) => "⋮".to_string(),
                    (_, Slot::Gap) => "…".to_string(),
                };
                out.push_str(&format!("<td style=\"{CELL_STYLE}\">{cell}</td>"));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
        out
    }

    fn row_indices(&self) -> impl Iterator<Item = usize> + '_ {
        indices(&self.rows)
    }

    fn col_indices(&self) -> impl Iterator<Item = usize> + '_ {
        indices(&self.cols)
    }
}

fn indices(slots: &[Slot]) -> impl Iterator<Item = usize> + '_ {
    slots.iter().filter_map(|s| match s {
        Slot::Index(i) => Some(*i),
        Slot::Gap => None,
    })
}

fn label(slot: Slot, gap: &str) -> String {
    match slot {
        Slot::Index(i) => i.to_string(),
        Slot::Gap => gap.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::TensorStats;

    fn view(shape: &[usize], dtype: &str, values: Vec<f64>) -> TensorView {
        TensorView::new(shape, dtype, values).unwrap()
    }

    fn range(n: usize) -> Vec<f64> {
        (0..n).map(|i| i as f64).collect()
    }

    #[test]
    fn small_matrix_is_shown_whole_with_header_and_stats() {
        let t = view(&[2, 3], "float32", vec![1.0, 2.5, 3.0, 4.0, 5.0, 6.0]).requires_grad(true);
        let html = tensor_html(&t, &TableLimits::default());
        assert!(html.contains("<b>Tensor</b> shape [2, 3] · float32 · cpu · requires_grad"));
        assert!(html.contains("min 1.0000 · max 6.0000 · mean 3.5833 · NaN 0 · Inf 0"));
        assert_eq!(html.matches("<tr>").count(), 3, "header row and two rows");
        assert_eq!(html.matches("<td").count(), 6);
        assert!(html.contains(">2.5000</td>"));
        assert!(!html.contains('…') && !html.contains('⋮'));
    }

    #[test]
    fn large_matrix_is_elided_like_pandas() {
        let t = view(&[100, 50], "int64", range(5000));
        let limits = TableLimits {
            max_rows: 6,
            max_cols: 4,
            max_slices: 2,
        };
        let html = tensor_html(&t, &limits);
        // 3 + gap + 3 rows, 2 + gap + 2 columns.
        assert_eq!(html.matches("<tr>").count(), 1 + 7);
        assert_eq!(html.matches("<td").count(), 7 * 5);
        assert!(html.contains(">⋱</td>"));
        for corner in [">0</td>", ">49</td>", ">4950</td>", ">4999</td>"] {
            assert!(html.contains(corner), "missing {corner}");
        }
        // Column 2 and row 3 (which starts at 150) are elided.
        assert!(!html.contains(">2</td>") && !html.contains(">150</td>"));
        assert!(!html.contains("min "), "no stats line for integers");
    }

    #[test]
    fn higher_dimensions_are_listed_as_summarised_slices() {
        let t = view(&[5, 2, 2, 3], "float32", range(60));
        let limits = TableLimits {
            max_slices: 4,
            ..TableLimits::default()
        };
        let html = tensor_html(&t, &limits);
        assert_eq!(html.matches("<table").count(), 4);
        assert!(html.contains(">[0, 0, :, :]<") && html.contains(">[0, 1, :, :]<"));
        assert!(html.contains(">[4, 1, :, :]<"));
        assert!(html.contains("… 6 more slices …"));
        assert!(html.contains(">59.</td>"));
    }

    #[test]
    fn corner_views_show_their_true_indices_and_stats() {
        let held = vec![(0..8).chain(992..1000).collect::<Vec<usize>>(), vec![0, 1]];
        let values: Vec<f64> = held[0]
            .iter()
            .flat_map(|&r| [r as f64, -(r as f64)])
            .collect();
        let stats = TensorStats::of(&[-999.0, 999.0, f64::NAN]);
        let t = TensorView::from_corners(&[1000, 2], "float32", held, values, stats).unwrap();
        let html = tensor_html(&t, &TableLimits::default());
        assert!(html.contains("shape [1000, 2]"));
        assert!(
            html.contains("min -999.00 · max 999.00 · mean 0 · NaN 1 · Inf 0"),
            "{html}"
        );
        assert!(html.contains(">999</th>") && html.contains(">992</th>"));
        assert!(html.contains(">7</th>") && !html.contains(">8</th>"));
        assert!(!html.contains("nan"), "every shown cell is held");
        // Narrower limits than the held corners are kept as asked.
        let narrow = TableLimits {
            max_rows: 4,
            ..TableLimits::default()
        };
        assert!(!tensor_html(&t, &narrow).contains(">2</th>"));
    }

    #[test]
    fn labels_and_values_are_escaped() {
        let t = view(&[2], "float<script>", vec![f64::NAN, 1.0]).device("<gpu & co>");
        let html = tensor_html(&t, &TableLimits::default());
        assert!(html.contains("float&lt;script&gt;") && html.contains("&lt;gpu &amp; co&gt;"));
        assert!(!html.contains("<script>") && !html.contains("<gpu"));
    }

    #[test]
    fn vectors_scalars_and_empties() {
        let v = tensor_html(
            &view(&[3], "float32", vec![1.0, 2.0, 3.0]),
            &TableLimits::default(),
        );
        assert_eq!(v.matches("<tr>").count(), 2);
        let s = tensor_html(&view(&[], "float32", vec![2.0]), &TableLimits::default());
        assert!(s.contains(">2.</div>"));
        let e = tensor_html(&view(&[0, 4], "float32", vec![]), &TableLimits::default());
        assert!(e.contains("(empty)"));
    }
}
