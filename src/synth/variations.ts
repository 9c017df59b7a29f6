/** Virtual KITTI variations: lighting/weather presets and camera yaw, applied on top of the same geometry. */
import type { RGB } from './classes.js';

/** How a variation changes the rendered frame (never the geometry, except the camera yaw). */
export interface VariationLook {
  /** Camera yaw in degrees; negative turns the camera left. */
  readonly yaw: number;
  readonly tint: RGB;
  readonly brightness: number;
  readonly saturation: number;
  /** Warm light near the horizon: colour and strength in [0,1]. */
  readonly glow: RGB;
  readonly glowStrength: number;
  /** Exponential fog density per metre (0 = none) and its colour. */
  readonly fogDensity: number;
  readonly fogColor: RGB;
  readonly rain: boolean;
}

const base: VariationLook = {
  yaw: 0,
  tint: [1, 1, 1],
  brightness: 1,
  saturation: 1,
  glow: [255, 255, 255],
  glowStrength: 0,
  fogDensity: 0,
  fogColor: [200, 200, 200],
  rain: false,
};

/** All VKITTI variation names in the order the real dataset lists them. */
export const VARIATION_NAMES = ['clone', 'morning', 'sunset', 'overcast', 'fog', 'rain', '15-deg-left', '15-deg-right', '30-deg-left', '30-deg-right'] as const;

/** A variation name. */
export type VariationName = (typeof VARIATION_NAMES)[number];

/** Look of each variation. */
export const VARIATIONS: Readonly<Record<VariationName, VariationLook>> = {
  clone: base,
  morning: { ...base, tint: [1.08, 1.0, 0.86], brightness: 1.04, saturation: 1.05, glow: [255, 206, 150], glowStrength: 0.25 },
  sunset: { ...base, tint: [1.16, 0.86, 0.66], brightness: 0.8, saturation: 1.1, glow: [255, 130, 60], glowStrength: 0.45 },
  overcast: { ...base, tint: [0.95, 0.98, 1.02], brightness: 0.86, saturation: 0.55 },
  fog: { ...base, brightness: 0.96, saturation: 0.7, fogDensity: 0.018, fogColor: [204, 206, 210] },
  rain: { ...base, tint: [0.92, 0.95, 1.0], brightness: 0.7, saturation: 0.6, fogDensity: 0.008, fogColor: [150, 155, 162], rain: true },
  '15-deg-left': { ...base, yaw: -15 },
  '15-deg-right': { ...base, yaw: 15 },
  '30-deg-left': { ...base, yaw: -30 },
  '30-deg-right': { ...base, yaw: 30 },
};
