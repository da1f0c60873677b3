//! The process-wide wgpu context: adapter choice, logical device, shader pipelines.

use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Environment variable naming the wgpu backend to use (`vulkan`, `gl`, `metal`, `dx12`).
pub const BACKEND_ENV: &str = "BORN_WGPU_BACKEND";

/// The opened GPU: device, queue, what was chosen and the pipelines built so far.
pub struct GpuContext {
    pub(super) device: wgpu::Device,
    pub(super) queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    limits: wgpu::Limits,
    features: wgpu::Features,
    pipelines: Mutex<HashMap<(&'static str, &'static str), Arc<wgpu::ComputePipeline>>>,
    errors: Arc<Mutex<Vec<String>>>,
}

static CONTEXT: OnceLock<std::result::Result<GpuContext, String>> = OnceLock::new();

/// The shared context, opened on first use; the error names what to install when no
/// adapter exists.
pub fn context() -> Result<&'static GpuContext> {
    CONTEXT
        .get_or_init(open)
        .as_ref()
        .map_err(|e| Error::msg(e.clone()))
}

/// The backends allowed by `BORN_WGPU_BACKEND` (all of them when unset).
fn requested_backends() -> std::result::Result<wgpu::Backends, String> {
    let Ok(name) = std::env::var(BACKEND_ENV) else {
        return Ok(wgpu::Backends::all());
    };
    match name.to_ascii_lowercase().as_str() {
        "" => Ok(wgpu::Backends::all()),
        "vulkan" => Ok(wgpu::Backends::VULKAN),
        "gl" | "gles" | "opengl" => Ok(wgpu::Backends::GL),
        "metal" => Ok(wgpu::Backends::METAL),
        "dx12" => Ok(wgpu::Backends::DX12),
        other => Err(format!(
            "gpu: {BACKEND_ENV}={other:?} is not one of vulkan, gl, metal, dx12"
        )),
    }
}

/// Preference order: discrete before integrated before virtual before software, and
/// Vulkan/Metal/DX12 before GL within a kind.
fn rank(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    };
    let api = u8::from(info.backend == wgpu::Backend::Gl);
    (kind, api)
}

fn open() -> std::result::Result<GpuContext, String> {
    let backends = requested_backends()?;
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = backends;
    let instance = wgpu::Instance::new(desc);
    // GL is asked only when no other API has an adapter (probing it is slow and noisy).
    let mut adapters = Vec::new();
    for group in [backends - wgpu::Backends::GL, backends & wgpu::Backends::GL] {
        if adapters.is_empty() && !group.is_empty() {
            adapters = pollster::block_on(instance.enumerate_adapters(group));
            adapters.retain(|a| {
                a.get_downlevel_capabilities()
                    .flags
                    .contains(wgpu::DownlevelFlags::COMPUTE_SHADERS)
            });
        }
    }
    adapters.sort_by_key(|a| rank(&a.get_info()));
    let Some(adapter) = adapters.into_iter().next() else {
        return Err(format!(
            "gpu: no wgpu adapter with compute shaders found (backends {backends:?}); install a \
             GPU driver, or the software adapter with `apt-get install mesa-vulkan-drivers`, \
             or choose another backend with {BACKEND_ENV}"
        ));
    };
    let info = adapter.get_info();
    let limits = adapter.limits();
    // Optional features the kernels use when present.
    let features = adapter.features()
        & (wgpu::Features::SUBGROUP | wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::SHADER_F16);
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("born"),
        required_features: features,
        required_limits: limits.clone(),
        ..Default::default()
    }))
    .map_err(|e| format!("gpu: opening {} failed: {e}", info.name))?;
    let errors = Arc::new(Mutex::new(Vec::new()));
    let sink = errors.clone();
    device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(e.to_string());
    }));
    Ok(GpuContext {
        device,
        queue,
        info,
        limits,
        features,
        pipelines: Mutex::new(HashMap::new()),
        errors,
    })
}

impl GpuContext {
    /// The chosen adapter's name, backend and driver, for display.
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {:?}, driver {} {}, features {:?})",
            self.info.name,
            self.info.backend,
            self.info.device_type,
            self.info.driver,
            self.info.driver_info,
            self.features
        )
    }

    /// Whether the adapter is a software rasterizer (llvmpipe, lavapipe, WARP).
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }

    /// Whether kernels may use subgroup operations.
    pub fn has_subgroups(&self) -> bool {
        self.features.contains(wgpu::Features::SUBGROUP)
    }

    /// The largest buffer one shader binding may address, in bytes.
    pub fn max_binding_bytes(&self) -> u64 {
        self.limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size)
    }

    /// The largest workgroup count per dispatch dimension.
    pub(super) fn max_groups(&self) -> u32 {
        self.limits.max_compute_workgroups_per_dimension
    }

    /// Validation errors wgpu reported since the last call, as one `Error` for `op`.
    pub(super) fn take_error(&self, op: &str) -> Result<()> {
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        if errors.is_empty() {
            return Ok(());
        }
        let all = errors.drain(..).collect::<Vec<_>>().join("; ");
        Err(Error::msg(format!("gpu: {op}: device error: {all}")))
    }

    /// The compute pipeline for `entry` in shader `source` (compiled once, then cached);
    /// a shader that does not compile is an error naming it.
    pub(super) fn pipeline(
        &self,
        name: &'static str,
        source: &'static str,
        entry: &'static str,
    ) -> Result<Arc<wgpu::ComputePipeline>> {
        let mut cache = self.pipelines.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = cache.get(&(name, entry)) {
            return Ok(p.clone());
        }
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let code = format!("{}\n{}", super::shaders::COMMON, source);
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(code.into()),
            });
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::msg(format!(
                "gpu: kernel {name}::{entry} does not compile on {}: {e}",
                self.info.name
            )));
        }
        let pipeline = Arc::new(pipeline);
        cache.insert((name, entry), pipeline.clone());
        Ok(pipeline)
    }
}

/// A one-line description of the GPU `Device::gpu()` would use, or why there is none.
pub fn describe_gpu() -> Result<String> {
    Ok(context()?.describe())
}
