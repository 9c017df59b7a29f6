// Which BatchNorm a model with auxiliary twins (aux-batchnorm.ts) normalises with. Free of imports so schemas and
// result files can name it without loading the tensor addon.

/** The BatchNorm choices: the model's own (`main`) or the auxiliary twins (`aux`). */
export const BATCHNORM_CHOICES = ['main', 'aux'] as const;

/** Which BatchNorm a model normalises with. */
export type BatchNormChoice = (typeof BATCHNORM_CHOICES)[number];
