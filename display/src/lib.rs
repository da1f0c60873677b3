//! Rich notebook output for Born: tensors, images, plots, live curves, progress and
//! streamed text.
//!
//! Every value with a rich form implements [`Displayable`](displayable::Displayable),
//! which renders it as a [`MimeBundle`](mime_bundle::MimeBundle). Two ways out:
//!
//! - a cell that ends with the value calls its `evcxr_display()` ([`evcxr`]);
//! - [`display`](handle::display) shows it at once and returns a
//!   [`DisplayHandle`](handle::DisplayHandle) to replace it later, sent to the kernel as
//!   one stdout line ([`envelope`]). Live views ([`LivePlot`](live_plot::LivePlot),
//!   [`progress`](progress::progress), [`TextStream`](text_stream::TextStream)) redraw
//!   through it, a few times a second at most ([`throttle`]);
//!   [`stream_generate`](generation::stream_generate) streams a language model's text.

pub mod displayable;
pub mod envelope;
pub mod error;
pub mod evcxr;
pub mod generation;
pub mod handle;
pub mod html;
mod input;
pub mod live_plot;
pub mod markdown;
pub mod mime_bundle;
pub mod picture;
pub mod plot;
pub mod png;
pub mod progress;
pub mod svg;
pub mod tensor;
pub mod text_stream;
pub mod throttle;

pub use error::{Error, Result};
pub use input::{input, input_password};

pub mod prelude {
    //! Everything a notebook cell needs in scope.
    pub use crate::displayable::Displayable;
    pub use crate::evcxr::DebugCellOutput;
    pub use crate::generation::{stream_generate, stream_generation, StreamedText};
    pub use crate::handle::{clear_output, display, DisplayHandle};
    pub use crate::html::Html;
    pub use crate::live_plot::LivePlot;
    pub use crate::markdown::Markdown;
    pub use crate::mime_bundle::MimeBundle;
    pub use crate::picture::{Heatmap, Image, ImageGrid};
    pub use crate::plot::{Figure, Plot};
    pub use crate::png::Png;
    pub use crate::progress::{progress, Progress, ProgressBar, ProgressMetrics};
    pub use crate::svg::Svg;
    pub use crate::tensor::TensorView;
    pub use crate::text_stream::TextStream;
    pub use crate::{input, input_password};
}
