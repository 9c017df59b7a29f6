/** Pinhole camera with yaw over a flat ground plane (Y up, Z forward, X right), KITTI-like intrinsics. */

/** Focal length as a fraction of image width (KITTI: 721 px / 1242 px). */
export const FOCAL_PER_WIDTH = 0.5805;
/** Nearest depth kept after clipping, metres. */
export const NEAR_Z = 0.25;

/** Projection parameters for one rendered frame. */
export interface Camera {
  readonly width: number;
  readonly height: number;
  readonly f: number;
  readonly cx: number;
  readonly cy: number;
  readonly camH: number;
  readonly cosYaw: number;
  readonly sinYaw: number;
}

/** Camera for an image size, camera height (m), horizon row as a fraction of height, and yaw (deg, + = right). */
export function makeCamera(width: number, height: number, camH: number, horizonFrac: number, yawDeg: number): Camera {
  const yaw = (yawDeg * Math.PI) / 180;
  return {
    width,
    height,
    f: FOCAL_PER_WIDTH * width,
    cx: width / 2,
    cy: horizonFrac * height,
    camH,
    cosYaw: Math.cos(yaw),
    sinYaw: Math.sin(yaw),
  };
}

/**
 * Transforms a world polygon (flat xyz triples) to camera space, clips it to z >= NEAR_Z and projects it.
 * Writes flat (sx, sy, invz) triples into `out` and returns the vertex count (0 when fully clipped).
 */
export function projectPolygon(cam: Camera, pts: ArrayLike<number>, out: Float64Array): number {
  const n = pts.length / 3;
  // camera-space vertices
  if (scratchCam.length < n * 3) scratchCam = new Float64Array(n * 6);
  const cs = scratchCam;
  for (let i = 0; i < n; i++) {
    const X = pts[i * 3]!;
    const Y = pts[i * 3 + 1]!;
    const Z = pts[i * 3 + 2]!;
    cs[i * 3] = X * cam.cosYaw - Z * cam.sinYaw;
    cs[i * 3 + 1] = Y - cam.camH;
    cs[i * 3 + 2] = X * cam.sinYaw + Z * cam.cosYaw;
  }
  // Sutherland-Hodgman against the near plane
  let m = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const zi = cs[i * 3 + 2]!;
    const zj = cs[j * 3 + 2]!;
    const inI = zi >= NEAR_Z;
    const inJ = zj >= NEAR_Z;
    if (inI) m = emit(cam, out, m, cs[i * 3]!, cs[i * 3 + 1]!, zi);
    if (inI !== inJ) {
      const t = (NEAR_Z - zi) / (zj - zi);
      m = emit(cam, out, m, cs[i * 3]! + (cs[j * 3]! - cs[i * 3]!) * t, cs[i * 3 + 1]! + (cs[j * 3 + 1]! - cs[i * 3 + 1]!) * t, NEAR_Z);
    }
  }
  return m >= 3 ? m : 0;
}

let scratchCam = new Float64Array(64);

function emit(cam: Camera, out: Float64Array, m: number, xc: number, yc: number, zc: number): number {
  const iz = 1 / zc;
  out[m * 3] = cam.cx + cam.f * xc * iz;
  out[m * 3 + 1] = cam.cy - cam.f * yc * iz;
  out[m * 3 + 2] = iz;
  return m + 1;
}

/** Projects one world point; returns [sx, sy, invz] or null when behind the near plane. */
export function projectPoint(cam: Camera, X: number, Y: number, Z: number): [number, number, number] | null {
  const xc = X * cam.cosYaw - Z * cam.sinYaw;
  const zc = X * cam.sinYaw + Z * cam.cosYaw;
  if (zc < NEAR_Z) return null;
  const iz = 1 / zc;
  return [cam.cx + cam.f * xc * iz, cam.cy - cam.f * (Y - cam.camH) * iz, iz];
}
