// The in-page PDF renderer (issue 12, item 9): pdf.js draws each page of a
// decrypted PDF into a canvas, so a PDF shows where the browser has no PDF
// viewer of its own (Android's Chrome downloads a blob: PDF instead of
// showing it). This module and pdf.js's worker are separate assets that
// the viewer loads only when it shows a PDF; nothing is fetched from
// elsewhere, and pdf.js runs without eval (the page's CSP forbids it).
import { getDocument, GlobalWorkerOptions } from 'pdfjs-dist/build/pdf.mjs';

// render draws the PDF's pages (at most maxPages) into canvases appended
// to container, each as wide as the container, and returns the number of
// pages of the document. label(n, total) names a page for screen readers.
export async function render(container, bytes, { workerURL, maxPages = 50, label }) {
  GlobalWorkerOptions.workerSrc = workerURL;
  const doc = await getDocument({ data: bytes, isEvalSupported: false, useSystemFonts: true, stopAtErrors: false }).promise;
  try {
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
  } finally {
    doc.destroy();
  }
}
