//! Safety caps applied while parsing untrusted GGUF files.

/// Longest metadata string (chat templates are the longest real ones, ~100 KB).
pub const MAX_STRING_LEN: u64 = 64 << 20;
/// Longest metadata key.
pub const MAX_KEY_LEN: u64 = 1 << 16;
/// Longest tensor name.
pub const MAX_TENSOR_NAME_LEN: u64 = 1 << 12;
/// Most metadata entries.
pub const MAX_METADATA_ENTRIES: u64 = 1 << 20;
/// Most elements in one metadata array (vocabularies and merge lists are ~10^5-10^6).
pub const MAX_ARRAY_LEN: u64 = 1 << 26;
/// Deepest nesting of arrays inside arrays.
pub const MAX_ARRAY_DEPTH: usize = 8;
/// Most tensors in one file.
pub const MAX_TENSORS: u64 = 1 << 20;
/// Most dimensions of one tensor (ggml's limit).
pub const MAX_DIMS: u32 = 4;
/// Largest alignment accepted for the data section.
pub const MAX_ALIGNMENT: u64 = 1 << 20;
/// Alignment when `general.alignment` is absent.
pub const DEFAULT_ALIGNMENT: u64 = 32;
