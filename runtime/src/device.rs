//! Where a tensor's storage lives.

use crate::{Error, Result};

/// Environment variable choosing the default device of [`Device::from_env`] (`cpu` or `gpu`).
pub const DEVICE_ENV: &str = "BORN_DEVICE";

/// A compute device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// Host memory, computed with rayon and the `gemm` crate.
    #[default]
    Cpu,
    /// The process's wgpu adapter (see [`Device::gpu`]).
    Gpu,
}

impl Device {
    /// The best wgpu adapter (discrete first; `BORN_WGPU_BACKEND` picks the API), opened once
    /// per process; an error naming what to install when there is none.
    pub fn gpu() -> Result<Device> {
        crate::backend::wgpu::open()?;
        Ok(Device::Gpu)
    }

    /// The GPU when an adapter exists, else the CPU (an explicit fallback).
    pub fn gpu_or_cpu() -> Device {
        Device::gpu().unwrap_or(Device::Cpu)
    }

    /// The device named by `BORN_DEVICE` (`cpu`, the default, or `gpu`).
    pub fn from_env() -> Result<Device> {
        Device::parse(&std::env::var(DEVICE_ENV).unwrap_or_default())
    }

    /// The device called `name` (`cpu`, or an empty name, or `gpu`); the GPU is opened.
    pub fn parse(name: &str) -> Result<Device> {
        match name.to_ascii_lowercase().as_str() {
            "" | "cpu" => Ok(Device::Cpu),
            "gpu" | "wgpu" => Device::gpu(),
            other => Err(Error::invalid(
                "Device::parse",
                format!("{other:?} is not a device (cpu or gpu; {DEVICE_ENV} takes the same)"),
            )),
        }
    }

    /// The short name ("cpu", "gpu").
    pub fn name(&self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
            Device::Gpu => "gpu",
        }
    }

    /// Whether this is the CPU.
    pub fn is_cpu(&self) -> bool {
        matches!(self, Device::Cpu)
    }

    /// Whether this is the GPU.
    pub fn is_gpu(&self) -> bool {
        matches!(self, Device::Gpu)
    }

    /// Waits until the device has finished all submitted work (a no-op on the CPU); for timing.
    pub fn synchronize(&self) -> Result<()> {
        match self {
            Device::Cpu => Ok(()),
            Device::Gpu => crate::backend::wgpu::synchronize(),
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        assert_eq!(Device::parse("CPU").unwrap(), Device::Cpu);
        assert_eq!(Device::parse("").unwrap(), Device::Cpu);
        let e = Device::parse("tpu").unwrap_err().to_string();
        assert!(e.contains("tpu") && e.contains(DEVICE_ENV), "{e}");
        assert_eq!(Device::Gpu.to_string(), "gpu");
        assert!(Device::Gpu.is_gpu() && !Device::Gpu.is_cpu());
    }
}
