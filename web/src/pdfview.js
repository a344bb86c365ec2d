// The in-page PDF renderer (issue 12, item 9): pdf.js draws each page of a
// decrypted PDF into a canvas, so a PDF shows where the browser has no PDF
// viewer of its own (Android's Chrome downloads a blob: PDF instead of
// showing it). This module and pdf.js's two workers are separate assets
// that the page loads only when it shows a PDF or makes a PDF's thumbnail;
// nothing is fetched from elsewhere, and pdf.js runs without eval (the
// page's CSP forbids it). pdf.js parses in its worker and, given
// rendererURL and OffscreenCanvas, also draws in a second one (pdf.js 6's
// renderer worker); the page's thread only copies the finished bitmap.
// Where the renderer worker cannot start, pdf.js draws on the page's
// thread by itself.
import { getDocument, GlobalWorkerOptions } from 'pdfjs-dist/build/pdf.mjs';

// withDoc opens the PDF, calls use with it, and then ends pdf.js's work on
// it (its loading task owns the document and the workers' state).
async function withDoc(bytes, { workerURL, rendererURL }, use) {
  GlobalWorkerOptions.workerSrc = workerURL;
  if (rendererURL) GlobalWorkerOptions.rendererSrc = rendererURL;
  const task = getDocument({ data: bytes, isEvalSupported: false, useSystemFonts: true, stopAtErrors: false });
  try {
    return await use(await task.promise);
  } finally {
    task.destroy().catch(() => {});
  }
}

// render draws the PDF's pages (at most maxPages) into canvases appended
// to container, each as wide as the container, and returns the number of
// pages of the document. label(n, total) names a page for screen readers.
export function render(container, bytes, { workerURL, rendererURL, maxPages = 50, label }) {
  return withDoc(bytes, { workerURL, rendererURL }, async (doc) => {
    const width = container.clientWidth || 800;
    const ratio = window.devicePixelRatio || 1;
    for (let n = 1; n <= Math.min(doc.numPages, maxPages); n++) {
      const page = await doc.getPage(n);
      const base = page.getViewport({ scale: 1 });
      const vp = page.getViewport({ scale: (width / base.width) * ratio });
      const canvas = document.createElement('canvas');
      canvas.width = Math.floor(vp.width);
      canvas.height = Math.floor(vp.height);
      canvas.style.width = '100%';
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', label(n, doc.numPages));
      container.append(canvas);
      await page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport: vp }).promise;
      page.cleanup();
    }
    return doc.numPages;
  });
}

// thumbnail draws the first page at most size pixels on its long side, on
// white, and returns it as a JPEG blob (issue 12, item 4).
export function thumbnail(bytes, { workerURL, rendererURL, size = 160 }) {
  return withDoc(bytes, { workerURL, rendererURL }, async (doc) => {
    const page = await doc.getPage(1);
    const base = page.getViewport({ scale: 1 });
    const vp = page.getViewport({ scale: size / Math.max(base.width, base.height) });
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(vp.width));
    canvas.height = Math.max(1, Math.round(vp.height));
    await page.render({ canvas, viewport: vp, background: '#fff' }).promise;
    return await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('no thumbnail'))), 'image/jpeg', 0.7));
  });
}
