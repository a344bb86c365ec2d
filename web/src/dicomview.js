// dicomview is the viewer of a DICOM study item (issue 18, item 3;
// docs/dicom.md §2.5, decision 0040), built as an asset of its own and
// loaded by the record page only when a study is opened. It reads the
// manifest at the head of the item's content, shows the series, and
// renders with cornerstone3D: each instance is fetched and decrypted by
// its byte range when cornerstone asks for it (an image loader of our own,
// scheme "akte:"), so the first image of a large study shows before the
// rest is loaded. Plain DOM: the page's preact is not in this bundle.
import {
  RenderingEngine, Enums, init as coreInit, imageLoader, getWebWorkerManager, utilities as csUtils, cache, eventTarget,
} from '@cornerstonejs/core';
import { internal as loaderInternal, wadouri } from '@cornerstonejs/dicom-image-loader';
import { utilities as mdUtils, metaData as mdMetaData, Enums as mdEnums } from '@cornerstonejs/metadata';
import {
  init as toolsInit, addTool, ToolGroupManager, StackScrollTool, WindowLevelTool, ZoomTool, PanTool, LengthTool, AngleTool, Enums as ToolEnums,
  cancelActiveManipulations, annotation as csAnnotation,
} from '@cornerstonejs/tools';

const MAGIC = 'AKTEDS01';
const MAX_MANIFEST = 32 << 20;

// readManifest reads the head and the manifest (docs/dicom.md §2, §2.1)
// and checks what the viewer relies on: the instances lie contiguously in
// the content after the manifest.
export async function readManifest(reader) {
  const head = await reader.read(0, Math.min(12, reader.size));
  if (head.length < 12 || new TextDecoder().decode(head.subarray(0, 8)) !== MAGIC) throw new Error('not a study');
  const n = new DataView(head.buffer, head.byteOffset).getUint32(8);
  if (n > MAX_MANIFEST || 12 + n > reader.size) throw new Error('manifest beyond the content');
  const m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await reader.read(12, n)));
  const base = 12 + n;
  if (m?.format !== 'akte-dicom-study' || m.version !== 1 || !Array.isArray(m.series) || !m.series.length) throw new Error('not a manifest of version 1');
  let at = 0;
  for (const s of m.series) {
    if (!Array.isArray(s.instances) || !s.instances.length) throw new Error('series without instances');
    for (const i of s.instances) {
      if (i.offset !== at || !Number.isSafeInteger(i.length) || i.length < 1) throw new Error('instances not contiguous');
      at += i.length;
    }
  }
  if (at !== m.size || base + m.size !== reader.size) throw new Error('manifest size differs from the content');
  return { manifest: m, base };
}

// Instances by image id: "akte:N" (N counts over the page's life, so two
// studies never share a cached image).
const sources = new Map();
let nextId = 0;
let ready;

function setup(assets) {
  ready ??= (async () => {
    await coreInit();
    // Decoded images kept for scrolling back: at most 256 MiB (a phone).
    cache.setMaxCacheSize(256 << 20);
    // The decoder worker and the codecs' WebAssembly are assets of their
    // own (web/build.mjs); the worker learns their URLs from decodeConfig.
    // What the loader's init() does, but with our worker: init() starts
    // one from a URL next to its module, which the bundle does not have.
    loaderInternal.setOptions({ decodeConfig: { wasmBasePath: JSON.stringify(assets.dicomCodecs || {}) } });
    wadouri.register({});
    getWebWorkerManager().registerWorker('dicomImageLoader', () => new Worker(assets.dicomDecoder, { type: 'module' }), { maxWorkerInstances: 1 });
    // An instance is read and parsed once, for all its frames
    // ("akte:N?frame=K", as dicom-image-loader numbers them from 1).
    imageLoader.registerImageLoader('akte', (imageId, options) => ({
      promise: (async () => {
        const instanceId = imageId.split('?')[0];
        const src = sources.get(instanceId);
        if (!src) throw undecodable();
        // A picture larger than 64 megapixels (a decompression bomb, or
        // nothing a patient's CD holds) is not decoded.
        if (src.pixels > 1 << 26) throw undecodable();
        src.parsed ??= (async () => {
          const bytes = await src.reader.read(src.base + src.offset, src.length);
          await mdUtils.addDicomPart10Instance(instanceId, bytes.buffer);
        })();
        src.parsed.catch(() => (src.parsed = undefined));
        await src.parsed;
        // The instance's own header is checked too: a study shared with
        // us was sealed by someone else, whose manifest may say less.
        const nat = mdMetaData.get(mdEnums.MetadataModules.NATURALIZED, imageId);
        const first = (v) => Number(Array.isArray(v) ? v[0] : v) || 0;
        if (nat && first(nat.Rows) * first(nat.Columns) * (first(nat.SamplesPerPixel) || 1) > 1 << 26) throw undecodable();
        try {
          return await wadouri.loadImageFromNaturalizedMetadata(imageId, options).promise;
        } catch {
          throw undecodable();
        }
      })(),
    }));
    // cornerstone leaves some of its promises of a failed image without a
    // handler; the viewer says so on the page (fail), so those are quiet.
    addEventListener('unhandledrejection', (e) => e.reason?.akteImage && e.preventDefault());
    await toolsInit();
    for (const t of [StackScrollTool, WindowLevelTool, ZoomTool, PanTool, LengthTool, AngleTool]) addTool(t);
  })();
  return ready;
}

function undecodable() {
  const e = new Error('the image cannot be decoded');
  e.akteImage = true;
  return e;
}

// el(tag, attrs, ...children) makes an element (text children as text).
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

// Window presets (width, center) in Hounsfield units.
const presets = [
  ['soft', 'Weichteil', 'Soft tissue', 400, 40],
  ['lung', 'Lunge', 'Lung', 1500, -600],
  ['bone', 'Knochen', 'Bone', 1800, 400],
  ['brain', 'Gehirn', 'Brain', 80, 40],
];

const fmtDate = (d) => (/^\d{8}$/.test(d || '') ? `${d.slice(6, 8)}.${d.slice(4, 6)}.${d.slice(0, 4)}` : d || '');
const fmtName = (n) => (n || '').split('^').filter(Boolean).join(', ');

let mounted = 0;

// mount shows the study read through reader (a RangedReader of the item's
// content) in box; tr(de, en) picks the page's language. It resolves to
// a function that takes the viewer down again.
export async function mount(box, { reader, tr, assets, title = '' }) {
  const { manifest: m, base } = await readManifest(reader);
  await setup(assets);
  const id = ++mounted;
  const series = m.series.map((s) => ({
    ...s,
    // One image id a frame: a multi-frame instance (an ultrasound clip)
    // scrolls and plays like a series.
    ids: s.instances.flatMap((i) => {
      const imageId = `akte:${nextId++}`;
      sources.set(imageId, { reader, base, offset: i.offset, length: i.length, pixels: (i.rows || 0) * (i.columns || 0) * (i.samples_per_pixel || 1) });
      const frames = Math.min(i.frames || 1, 10000);
      return frames > 1 ? Array.from({ length: frames }, (_, k) => `${imageId}?frame=${k + 1}`) : [imageId];
    }),
    // the instance of each image id
    of: s.instances.flatMap((i) => Array(Math.min(i.frames || 1, 10000) > 1 ? Math.min(i.frames, 10000) : 1).fill(i)),
  }));
  const allIds = series.flatMap((s) => s.ids);
  const instanceIds = [...new Set(allIds.map((i) => i.split('?')[0]))];

  const status = el('p', { class: 'dv-status', role: 'status', 'aria-live': 'polite' });
  // The last measurement in words, for a screen reader and for anyone who
  // cannot read the label drawn on the picture.
  const measured = el('p', { class: 'dv-measure', role: 'status', 'aria-live': 'polite', 'data-testid': 'dicom-measure' });
  const vpEl = el('div', { class: 'dv-viewport', tabindex: '0', role: 'img', 'data-testid': 'dicom-viewport',
    'aria-label': tr('Bild; Pfeiltasten blättern durch die Schichten, Umschalt und Pfeiltasten verschieben, Plus und Minus zoomen, Null setzt zurück; mit einem Messwerkzeug beginnt Eingabe eine Messung', 'Image; arrow keys move through the slices, shift and arrow keys pan, plus and minus zoom, zero resets; with a measuring tool, Enter starts a measurement') });
  vpEl.addEventListener('contextmenu', (e) => e.preventDefault());
  const slider = el('input', { type: 'range', min: '1', max: '1', value: '1', 'data-testid': 'dicom-slice', 'aria-label': tr('Schicht', 'Slice') });
  const counter = el('output', { class: 'dv-counter', 'data-testid': 'dicom-counter' });
  const preset = el('select', { 'aria-label': tr('Fensterung', 'Window'), 'data-testid': 'dicom-preset' },
    el('option', { value: '', text: tr('Fensterung der Datei', 'Window of the file') }),
    presets.map(([v, de, en, w, c]) => el('option', { value: v, text: `${tr(de, en)} (W ${w} / L ${c})` })));
  const toolNames = [
    [WindowLevelTool.toolName, 'Helligkeit/Kontrast', 'Window/level'],
    [PanTool.toolName, 'Verschieben', 'Pan'],
    [ZoomTool.toolName, 'Zoom', 'Zoom'],
    [LengthTool.toolName, 'Länge messen', 'Measure length'],
    [AngleTool.toolName, 'Winkel messen', 'Measure angle'],
  ];
  const toolButtons = toolNames.map(([name, de, en]) => el('button', { type: 'button', 'aria-pressed': 'false', 'data-tool': name, onclick: () => useTool(name), text: tr(de, en) }));
  const cineBtn = el('button', { type: 'button', 'aria-pressed': 'false', 'data-testid': 'dicom-cine', onclick: () => cine(), text: tr('Abspielen', 'Play') });
  const resetBtn = el('button', { type: 'button', onclick: () => reset(), text: tr('Zurücksetzen', 'Reset') });
  const seriesList = el('ul', { class: 'dv-series', 'aria-label': tr('Serien', 'Series') });
  const meta = el('dl', { class: 'dv-meta', 'data-testid': 'dicom-meta' });
  const root = el('div', { class: 'dicom-viewer' },
    el('nav', { 'aria-label': tr('Serien', 'Series') }, seriesList),
    el('div', { class: 'dv-main' },
      el('div', { class: 'dv-tools', role: 'toolbar', 'aria-label': tr('Werkzeuge', 'Tools') }, toolButtons, preset, cineBtn, resetBtn),
      vpEl,
      el('div', { class: 'dv-slices' }, el('label', {}, tr('Schicht', 'Slice'), ' ', slider), counter),
      status,
      measured,
      el('details', { class: 'dv-details' }, el('summary', { text: tr('Angaben zur Aufnahme', 'About the images') }), meta)));
  box.replaceChildren(root);

  const engine = new RenderingEngine(`akte-dicom-${id}`);
  const viewportId = `akte-vp-${id}`;
  engine.enableElement({ viewportId, type: Enums.ViewportType.STACK, element: vpEl, defaultOptions: { background: [0, 0, 0] } });
  const vp = engine.getViewport(viewportId);
  // The keyboard's pointer while measuring (see measureKey).
  const marker = el('div', { class: 'dv-marker', 'aria-hidden': 'true', hidden: true });
  vpEl.append(marker);
  const group = ToolGroupManager.createToolGroup(`akte-tools-${id}`);
  for (const t of [StackScrollTool, WindowLevelTool, ZoomTool, PanTool, LengthTool, AngleTool]) group.addTool(t.toolName);
  group.addViewport(viewportId, engine.id);
  group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }] });
  let primary = '';
  let kb = null; // measuring by keyboard: {n: points set, need, x, y, before: annotation UIDs}
  const useTool = (name) => {
    if (primary) {
      if (primary === PanTool.toolName) group.setToolActive(primary, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }] });
      else if (primary === ZoomTool.toolName) group.setToolActive(primary, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] });
      else group.setToolPassive(primary);
    }
    if (kb) stopMeasure();
    primary = name;
    group.setToolActive(name, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
    for (const b of toolButtons) b.setAttribute('aria-pressed', String(b.dataset.tool === name));
  };
  group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }] });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] });
  useTool(WindowLevelTool.toolName);

  let cur = 0; // series shown
  const showMeta = () => {
    const s = series[cur];
    const inst = s.of[vp.getCurrentImageIdIndex?.() ?? 0] || s.instances[0];
    const rows = [
      [tr('Patient', 'Patient'), fmtName(m.study.patient?.name)],
      [tr('Geburtsdatum', 'Birth date'), fmtDate(m.study.patient?.birth_date)],
      [tr('Untersuchung', 'Study'), m.study.description],
      [tr('Datum', 'Date'), fmtDate(m.study.date)],
      [tr('Einrichtung', 'Institution'), m.study.institution],
      [tr('Serie', 'Series'), `${s.number ?? ''} ${s.description || ''}`.trim()],
      [tr('Modalität', 'Modality'), s.modality],
      [tr('Körperregion', 'Body part'), s.body_part],
      [tr('Bild', 'Image'), inst.number],
      [tr('Matrix', 'Matrix'), inst.columns && `${inst.columns} × ${inst.rows}`],
      [tr('Pixelabstand (mm)', 'Pixel spacing (mm)'), inst.pixel_spacing?.join(' × ')],
      [tr('Schichtdicke (mm)', 'Slice thickness (mm)'), inst.slice_thickness],
      [tr('Schichtposition', 'Slice location'), inst.slice_location],
      ['Transfer Syntax', inst.transfer_syntax],
      ['SOP Instance UID', inst.uid],
    ];
    meta.replaceChildren(...rows.filter(([, v]) => v !== undefined && v !== '' && v !== null).flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })]));
  };
  // The next eight slices are fetched while one is looked at, so that
  // scrolling on finds them decoded (their segments are mostly the same).
  const prefetch = (i) => {
    const ids = series[cur].ids;
    for (let j = i + 1; j <= Math.min(ids.length - 1, i + 8); j++) {
      if (!cache.getImageLoadObject(ids[j])) imageLoader.loadAndCacheImage(ids[j]).catch(() => {});
    }
  };
  // showPlace says which slice is shown, or failed to show: cornerstone
  // moves its index before the image loads.
  const showPlace = () => {
    const i = vp.getCurrentImageIdIndex();
    slider.value = String(i + 1);
    counter.textContent = `${i + 1} / ${series[cur].ids.length}`;
    showMeta();
  };
  const onImage = () => {
    prefetch(vp.getCurrentImageIdIndex());
    showPlace();
  };
  vpEl.addEventListener(Enums.Events.STACK_NEW_IMAGE, onImage);
  // data-rendered names the slice drawn last (the tests wait for it).
  vpEl.addEventListener(Enums.Events.IMAGE_RENDERED, () => {
    const img = vp.getCornerstoneImage?.();
    if (img && img.imageId === series[cur].ids[vp.getCurrentImageIdIndex()]) {
      vpEl.setAttribute('data-rendered', String(vp.getCurrentImageIdIndex()));
      vpEl.removeAttribute('data-failed');
      if (status.dataset.failed) status.textContent = status.dataset.failed = '';
    }
  });
  // An image that cannot be read or decoded: cornerstone reports it on its
  // event target (the viewer goes on with the others).
  const onLoadError = (e) => {
    const ids = Array.isArray(e.detail) ? e.detail.map((d) => d?.reason?.imageId ?? d?.imageId) : [e.detail?.imageId];
    if (ids.includes(series[cur].ids[vp.getCurrentImageIdIndex()]) || e.detail?.imageIdIndex === vp.getCurrentImageIdIndex()) fail(e.detail?.error);
  };
  eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, onLoadError);

  // A measurement is said once it is drawn (annotation completed), and
  // again whenever its numbers change (a handle moved, or the last
  // mouse move computed after the button went up).
  const done = new Set();
  const ours = new Set(allIds);
  const num = (v, digits) => new Intl.NumberFormat(tr('de-DE', 'en-GB'), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
  const sayMeasure = (e) => {
    const a = e.detail?.annotation;
    if (!a || !ours.has(a.metadata?.referencedImageId)) return;
    if (e.type === ToolEnums.Events.ANNOTATION_COMPLETED) done.add(a.annotationUID);
    if (!done.has(a.annotationUID) || !vpEl.isConnected) return;
    const stats = Object.values(a.data?.cachedStats || {})[0] || {};
    if (a.metadata.toolName === LengthTool.toolName && Number.isFinite(stats.length)) {
      const unit = stats.unit === 'mm' ? 'mm' : tr('Bildpunkte', 'pixels');
      measured.textContent = `${tr('Länge', 'Length')}: ${num(stats.length, 1)} ${unit}`;
    } else if (a.metadata.toolName === AngleTool.toolName && Number.isFinite(stats.angle)) {
      measured.textContent = `${tr('Winkel', 'Angle')}: ${num(stats.angle, 1)}°`;
    }
  };
  const onRemoved = (e) => {
    if (done.delete(e.detail?.annotation?.annotationUID) && !done.size) measured.textContent = '';
  };
  eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, sayMeasure);
  eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_MODIFIED, sayMeasure);
  eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_REMOVED, onRemoved);

  const go = (i) => {
    const n = series[cur].ids.length;
    i = Math.max(0, Math.min(n - 1, i));
    if (i !== vp.getCurrentImageIdIndex()) vp.setImageIdIndex(i).catch(fail);
  };
  slider.addEventListener('input', () => go(Number(slider.value) - 1));
  // While measuring by keyboard the keys are the marker's alone:
  // cornerstone, which listens on the same element, would take any key
  // held down for a modifier and then find no tool for the pointer.
  vpEl.addEventListener('keydown', (e) => {
    if (!kb && !((primary === LengthTool.toolName || primary === AngleTool.toolName) && e.key === 'Enter')) return;
    e.stopImmediatePropagation();
    measureKey(e);
  }, { capture: true });
  vpEl.addEventListener('keydown', (e) => {
    const i = vp.getCurrentImageIdIndex();
    const n = series[cur].ids.length;
    if (e.key === '+' || e.key === '-') {
      // Zoom by keyboard (the zoom tool is the mouse's and the fingers').
      e.preventDefault();
      vp.setZoom(vp.getZoom() * (e.key === '+' ? 1.25 : 0.8));
      vp.render();
      return;
    }
    if (e.key === '0') {
      e.preventDefault();
      reset();
      return;
    }
    // Pan by keyboard: Shift and an arrow move the image a tenth of the
    // view that way.
    const pan = e.shiftKey && { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (pan) {
      e.preventDefault();
      panBy(pan[0] * vpEl.clientWidth * 0.1, pan[1] * vpEl.clientHeight * 0.1);
      return;
    }
    const to = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1, ArrowLeft: i - 1, PageDown: i + 10, PageUp: i - 10, Home: 0, End: n - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    go(to);
  });
  // A slice that fails leaves no picture of the slice before it under
  // its number (data-failed hides the canvas).
  // Measuring by keyboard: with the length or angle tool chosen, Enter
  // on the image shows a marker in its middle; the arrow keys move it (one
  // pixel, with Shift ten), Enter sets a point there, Escape stops. The
  // tool is handed the mouse events a pointer would make at the marker,
  // so what is drawn and measured is what the mouse draws.
  const say = (de, en) => (status.textContent = tr(de, en));
  const pointer = (type, buttons) => {
    const r = vpEl.getBoundingClientRect();
    vpEl.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view: window, clientX: r.left + kb.x, clientY: r.top + kb.y, button: 0, buttons }));
  };
  const place = () => {
    marker.style.left = `${kb.x}px`;
    marker.style.top = `${kb.y}px`;
  };
  const askPoint = () =>
    say(`Punkt ${kb.n + 1} von ${kb.need}: Pfeiltasten bewegen die Marke, Eingabe setzt den Punkt, Escape bricht ab.`,
      `Point ${kb.n + 1} of ${kb.need}: arrow keys move the marker, Enter sets the point, Escape cancels.`);
  const stopMeasure = () => {
    kb = null;
    marker.hidden = true;
  };
  const measureKey = (e) => {
    if (!kb) {
      e.preventDefault();
      kb = { n: 0, need: primary === AngleTool.toolName ? 3 : 2, x: Math.round(vpEl.clientWidth / 2), y: Math.round(vpEl.clientHeight / 2),
        before: new Set(csAnnotation.state.getAllAnnotations().map((a) => a.annotationUID)) };
      marker.hidden = false;
      place();
      askPoint();
      return true;
    }
    const step = e.shiftKey ? 10 : 1;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
    if (d) {
      e.preventDefault();
      kb.x = Math.max(0, Math.min(vpEl.clientWidth - 1, kb.x + d[0]));
      kb.y = Math.max(0, Math.min(vpEl.clientHeight - 1, kb.y + d[1]));
      place();
      // Between the first and the second point the button is held (a
      // drag); the angle's third point follows a button let go.
      if (kb.n > 0) pointer('mousemove', kb.n === 1 ? 1 : 0);
      return true;
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      kb.n++;
      if (kb.n === 1) pointer('mousedown', 1);
      else if (kb.n === 2) {
        pointer('mousemove', 1);
        pointer('mouseup', 0);
      } else {
        pointer('mousemove', 0);
        pointer('mousedown', 1);
        pointer('mouseup', 0);
      }
      if (kb.n === kb.need) {
        status.textContent = '';
        stopMeasure();
      } else askPoint();
      return true;
    }
    if (e.key === 'Escape') {
      e.preventDefault();
      if (kb.n === 1) pointer('mouseup', 0);
      cancelActiveManipulations(vpEl);
      for (const a of csAnnotation.state.getAllAnnotations()) if (!kb.before.has(a.annotationUID)) csAnnotation.state.removeAnnotation(a.annotationUID);
      vp.render();
      status.textContent = '';
      stopMeasure();
      return true;
    }
    return false;
  };
  // panBy moves the image by (dx, dy) CSS pixels, as the pan tool does:
  // the camera goes the other way.
  const panBy = (dx, dy) => {
    const a = vp.canvasToWorld([0, 0]);
    const b = vp.canvasToWorld([dx, dy]);
    const { focalPoint, position } = vp.getCamera();
    vp.setCamera({ focalPoint: focalPoint.map((v, i) => v - (b[i] - a[i])), position: position.map((v, i) => v - (b[i] - a[i])) });
    vp.render();
  };
  const fail = () => {
    status.textContent = tr('Dieses Bild lässt sich nicht darstellen.', 'This image cannot be shown.');
    status.dataset.failed = '1';
    vpEl.setAttribute('data-failed', '');
    showPlace();
  };

  preset.addEventListener('change', () => {
    const p = presets.find(([v]) => v === preset.value);
    if (p) vp.setProperties({ voiRange: csUtils.windowLevel.toLowHighRange(p[3], p[4]) });
    else vp.resetProperties();
    vp.render();
  });
  const reset = () => {
    vp.resetCamera();
    vp.resetProperties();
    preset.value = '';
    vp.render();
  };

  let timer = 0;
  const cine = () => {
    if (timer) {
      clearInterval(timer);
      timer = 0;
    } else {
      timer = setInterval(() => {
        const n = series[cur].ids.length;
        vp.setImageIdIndex((vp.getCurrentImageIdIndex() + 1) % n).catch(() => {});
      }, 100);
    }
    cineBtn.setAttribute('aria-pressed', String(!!timer));
    cineBtn.textContent = timer ? tr('Anhalten', 'Stop') : tr('Abspielen', 'Play');
  };

  const showSeries = async (k) => {
    cur = k;
    const s = series[k];
    slider.max = String(s.ids.length);
    slider.disabled = s.ids.length < 2;
    for (const [j, b] of seriesButtons.entries()) b.setAttribute('aria-current', j === k ? 'true' : 'false');
    status.dataset.failed = '';
    status.textContent = tr('Das Bild wird geladen …', 'Loading the image …');
    vpEl.removeAttribute('data-rendered');
    vpEl.removeAttribute('data-failed');
    try {
      await vp.setStack(s.ids, 0);
      vp.render();
      if (!status.dataset.failed) status.textContent = '';
      onImage();
    } catch (e) {
      fail(e);
      onImage();
    }
  };

  const thumbs = [];
  const seriesButtons = series.map((s, k) => {
    const c = el('canvas', { width: '64', height: '64', 'aria-hidden': 'true' });
    thumbs.push(c);
    const frame = el('span', { class: 'dv-thumb' }, c);
    const label = `${s.description || s.modality || tr('Serie', 'Series')}${s.number !== undefined ? ` (${s.number})` : ''}`;
    const b = el('button', { type: 'button', 'data-testid': 'dicom-series', onclick: () => showSeries(k) }, frame,
      el('span', {}, label, el('br'), `${s.ids.length} ${s.ids.length === 1 ? tr('Bild', 'image') : tr('Bilder', 'images')}`));
    seriesList.append(el('li', {}, b));
    return b;
  });

  await showSeries(0);
  // Thumbnails after the first image: each series' middle image.
  (async () => {
    for (const [k, s] of series.entries()) {
      if (!root.isConnected) return;
      try {
        await csUtils.loadImageToCanvas({ canvas: thumbs[k], imageId: s.ids[Math.floor(s.ids.length / 2)], thumbnail: true });
      } catch {
        /* the button keeps its text */
      }
    }
  })();

  return () => {
    clearInterval(timer);
    eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_ERROR, onLoadError);
    eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, sayMeasure);
    eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_MODIFIED, sayMeasure);
    eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_REMOVED, onRemoved);
    ToolGroupManager.destroyToolGroup(group.id);
    engine.destroy();
    for (const i of instanceIds) sources.delete(i);
    for (const i of allIds) if (cache.getImageLoadObject?.(i)) cache.removeImageLoadObject(i);
    box.replaceChildren();
  };
}
