// Opens a notebook in a running JupyterLab with headless Chromium, runs all its
// cells on its kernel, waits until the kernel is idle, and reports what the page
// shows as one JSON object on stdout. Always saves a screenshot of the notebook.
//
// Usage: JUPYTERLAB_TOKEN=... node run_notebook.mjs <base-url> <notebook> <screenshot.png> <timeout-seconds>

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

// The flags Chromium needs on a machine without a network or a GPU; the
// background-networking ones stop it from opening connections that are refused.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const USAGE = "usage: JUPYTERLAB_TOKEN=... node run_notebook.mjs <base-url> <notebook> <screenshot.png> <timeout-seconds>";
const VIEWPORT = { width: 1280, height: 900 };
// Chromium's largest screenshot side, with room to spare.
const MAX_SCREENSHOT_HEIGHT = 15000;
const POLL_MS = 1000;
// Consecutive polls that must agree that the run is over.
const SETTLED_POLLS = 3;

const [baseUrl, notebook, screenshotPath, timeoutText] = process.argv.slice(2);
const token = process.env.JUPYTERLAB_TOKEN;
if (!token || !screenshotPath || !Number(timeoutText)) {
  console.error(USAGE);
  process.exit(2);
}
const started = Date.now();
const deadline = Date.now() + Number(timeoutText) * 1000;
const report = { notebook, steps: [], console_errors: [] };

function step(name) {
  report.steps.push({ name, at_s: Math.round((Date.now() - started) / 100) / 10 });
}

function secondsLeft() {
  return Math.max(1, Math.round((deadline - Date.now()) / 1000));
}

async function api(path) {
  const response = await fetch(`${baseUrl}${path}`, { headers: { Authorization: `token ${token}` } });
  if (!response.ok) {
    throw new Error(`GET ${path}: HTTP ${response.status}`);
  }
  return response.json();
}

// The kernel of this notebook's session, as the server sees it.
async function sessionKernel() {
  const sessions = await api("/api/sessions");
  const session = sessions.find((s) => s.path === notebook);
  return session ? session.kernel : null;
}

// The kernel of this notebook's session once the server has started one.
async function waitForSessionKernel(page) {
  while (Date.now() < deadline) {
    const kernel = await sessionKernel();
    if (kernel) {
      return kernel;
    }
    await page.waitForTimeout(POLL_MS);
  }
  return null;
}

// What the notebook's cells and outputs show now.
async function pageFacts(page) {
  return page.evaluate((path) => {
    const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
    // The notebook's model holds each output's type: errors and stderr text look alike on the page.
    const widget = [...(window.jupyterapp?.shell.widgets("main") ?? [])].find((w) => w.context?.path === path);
    if (!panel || !widget) {
      return null;
    }
    const modelOutputs = [...widget.content.model.cells]
      .filter((cell) => cell.type === "code")
      .flatMap((cell) => cell.outputs.toJSON());
    const outputs = (mime) => [...panel.querySelectorAll(`.jp-OutputArea-output[data-mime-type="${mime}"]`)];
    const prompts = [...panel.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")].map((p) =>
      p.textContent.trim(),
    );
    const svgImages = outputs("image/svg+xml").flatMap((output) =>
      [...output.querySelectorAll("img")].map((img) => {
        const source = decodeURIComponent(img.src.slice(img.src.indexOf(",") + 1));
        const svg = new DOMParser().parseFromString(source, "image/svg+xml").documentElement;
        return {
          loaded: img.complete && img.naturalWidth > 0,
          width: img.naturalWidth,
          height: img.naturalHeight,
          root: svg.nodeName,
          drawn_shapes: svg.querySelectorAll("path, polyline, line, rect, circle").length,
          texts: [...svg.querySelectorAll("text")].map((t) => t.textContent.trim()).filter(Boolean),
        };
      }),
    );
    const tensorTables = outputs("text/html").flatMap((output) =>
      [...output.querySelectorAll(".born-tensor")].map((tensor) => ({
        header: tensor.innerText.split("\n")[0].trim(),
        tables: tensor.querySelectorAll("table").length,
        rows: tensor.querySelectorAll("tbody tr").length,
        cells: tensor.querySelectorAll("tbody td").length,
        elided: tensor.innerText.includes("…"),
      })),
    );
    const errors = modelOutputs
      .filter((output) => output.output_type === "error")
      .map((output) => `${output.ename}: ${output.evalue}`.slice(0, 2000));
    const stderr = modelOutputs
      .filter((output) => output.output_type === "stream" && output.name === "stderr")
      .map((output) => [output.text].flat().join("").slice(0, 500));
    const status = panel.querySelector(".jp-Notebook-ExecutionIndicator");
    return {
      kernel_name: panel.querySelector(".jp-KernelName")?.textContent.trim() ?? null,
      indicator: status?.getAttribute("data-status") ?? null,
      prompts,
      svg_images: svgImages,
      tensor_tables: tensorTables,
      error_outputs: errors,
      stderr_outputs: stderr,
      dialog: document.querySelector(".jp-Dialog")?.innerText ?? null,
    };
  }, notebook);
}

// Waits until the kernel is idle and no cell is queued or running, and every code
// cell has run or an error output stopped the run.
async function waitForRunToFinish(page) {
  let settled = 0;
  while (Date.now() < deadline) {
    const facts = await pageFacts(page);
    const kernel = await sessionKernel();
    const idle = kernel?.execution_state === "idle";
    const running = !facts || facts.prompts.some((p) => p.includes("*"));
    const allRan = facts?.prompts.every((p) => /\[\d+\]/.test(p));
    settled = idle && !running && (allRan || facts.error_outputs.length > 0) ? settled + 1 : 0;
    if (settled >= SETTLED_POLLS) {
      return true;
    }
    await page.waitForTimeout(POLL_MS);
  }
  return false;
}

// Makes the window as tall as the notebook, so one screenshot shows every cell.
async function fitViewportToNotebook(page) {
  const extra = await page.evaluate(() => {
    const scroller = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer");
    return scroller ? scroller.scrollHeight - scroller.clientHeight : 0;
  });
  const height = Math.min(VIEWPORT.height + Math.max(0, extra), MAX_SCREENSHOT_HEIGHT);
  await page.setViewportSize({ width: VIEWPORT.width, height });
  await page.waitForTimeout(500);
}

const userDataDir = mkdtempSync(join(tmpdir(), "born-chromium-"));
let context;
let page;
let exitCode = 0;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: VIEWPORT,
  });
  report.browser = context.browser()?.version() ?? null;
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") {
      report.console_errors.push(message.text().slice(0, 500));
    }
  });
  page.on("pageerror", (error) => report.console_errors.push(`page error: ${error.message}`));
  step("browser started");

  const url = `${baseUrl}/lab/tree/${encodeURI(notebook)}?token=${token}&reset`;
  await page.goto(url, { timeout: secondsLeft() * 1000 });
  await page.locator(".jp-NotebookPanel .jp-Cell").first().waitFor({ timeout: secondsLeft() * 1000 });
  step("notebook open");

  // The notebook asks for the Born kernel; the toolbar shows the kernel it got.
  await page
    .locator(".jp-NotebookPanel .jp-KernelName", { hasText: "Born" })
    .waitFor({ timeout: secondsLeft() * 1000 });
  report.session_kernel_at_start = await waitForSessionKernel(page);
  step("kernel selected");

  // The file browser takes room the notebook's outputs can use in the screenshot.
  await page
    .locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    .click({ timeout: 5000 })
    .catch(() => report.steps.push({ name: "the file browser stayed open" }));
  await page.getByRole("menuitem", { name: "Run", exact: true }).click();
  await page.getByRole("menuitem", { name: "Run All Cells", exact: true }).click();
  step("run all cells");

  report.finished = await waitForRunToFinish(page);
  step(report.finished ? "kernel idle, run finished" : "timed out waiting for the run");
  await page
    .waitForFunction(() => [...document.querySelectorAll(".jp-OutputArea-output img")].every((i) => i.complete), null, {
      timeout: 10000,
    })
    .catch(() => report.steps.push({ name: "some output images did not load" }));
} catch (error) {
  report.driver_error = String(error.stack ?? error);
  exitCode = 1;
} finally {
  try {
    if (page) {
      report.page = await pageFacts(page).catch((error) => ({ unreadable: String(error) }));
      report.session_kernel_at_end = await sessionKernel().catch(() => null);
      await fitViewportToNotebook(page).catch(() => {});
      await page.screenshot({ path: screenshotPath, fullPage: true });
      report.screenshot = screenshotPath;
    }
  } catch (error) {
    report.screenshot_error = String(error);
    exitCode = 1;
  }
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
  report.elapsed_s = Math.round((Date.now() - started) / 100) / 10;
  console.log(JSON.stringify(report));
  process.exit(exitCode);
}
