//! Conversions of the file-format, tokenizer and quantization errors into `born::Error`.

use crate::io::gguf::GgufError;
use crate::llm::tokenizer::TokenizerError;
use crate::quant::QuantError;
use crate::Error;

impl From<GgufError> for Error {
    fn from(e: GgufError) -> Error {
        Error::format("GGUF", e.to_string())
    }
}

impl From<TokenizerError> for Error {
    fn from(e: TokenizerError) -> Error {
        Error::msg(format!("tokenizer: {e}"))
    }
}

impl From<QuantError> for Error {
    fn from(e: QuantError) -> Error {
        Error::msg(format!("quantized weights: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gguf_errors_keep_their_message() {
        let e: Error = crate::io::gguf::GgufFile::from_bytes(b"nope".to_vec())
            .expect_err("four bytes are no GGUF file")
            .into();
        assert!(e.to_string().starts_with("GGUF: invalid format:"), "{e}");
    }
}
