/** The layer sizes of test/17's saves: 136,714 parameters, a 547 KB file, so a save takes a while. */
export const SAVE_LOOP_SIZES = [256, 512, 10];
