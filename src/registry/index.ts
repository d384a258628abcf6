export * from './layout';
export * from './pointer';
export * from './errors';
export * from './store';
export * from './registry';
export * from './publish';
