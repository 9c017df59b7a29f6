// torch.nn.functional's spelling for model code: `import { F } from '../nn/functional.js'`.
export { F } from '../tensor/index.js';
