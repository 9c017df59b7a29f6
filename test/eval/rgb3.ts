// A three-class label space (red, green, blue) for the evaluation tests.
import type { LabelSpace } from '../../src/data/label-spaces.js';

/** Classes red, green and blue, coloured as named. */
export const RGB3: LabelSpace = {
  name: 'rgb3',
  classes: ['red', 'green', 'blue'],
  colors: [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
  ],
  numClasses: 3,
};
