import { Resvg } from '@resvg/resvg-js';

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row by row. */
  rgba: Uint8Array;
}

/** Decodes a PNG with what is installed: resvg draws it as an embedded image, at its own size. */
export function decodePng(png: Buffer): Pixels {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}"><image width="${width}" height="${height}" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  return { width, height, rgba: new Resvg(svg).render().pixels };
}

/** The pixel at (x, y) as #rrggbb, and its alpha. */
export function pixelAt(img: Pixels, x: number, y: number): { hex: string; alpha: number } {
  const i = 4 * (Math.round(y) * img.width + Math.round(x));
  const hex = `#${[0, 1, 2].map((c) => img.rgba[i + c]!.toString(16).padStart(2, '0')).join('')}`;
  return { hex, alpha: img.rgba[i + 3]! };
}

/** The smallest alpha of any pixel: 255 for an opaque image. */
export function minAlpha(img: Pixels): number {
  let min = 255;
  for (let i = 3; i < img.rgba.length; i += 4) if (img.rgba[i]! < min) min = img.rgba[i]!;
  return min;
}
