//! Where a tensor's storage lives.

/// A compute device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// Host memory, computed with rayon and the `gemm` crate.
    #[default]
    Cpu,
}

impl Device {
    /// The short name ("cpu").
    pub fn name(&self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
        }
    }

    /// Whether this is the CPU.
    pub fn is_cpu(&self) -> bool {
        matches!(self, Device::Cpu)
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
