/** Versions stamped into every model.json. Bump TRAINER_VERSION when training changes its output for the same data. */
export const TRAINER_VERSION = '1.1.0';
/** model.json layout version; loading refuses any other. */
export const MODEL_FORMAT_VERSION = 1;
