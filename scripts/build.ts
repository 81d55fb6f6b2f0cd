// PLACEHOLDER: esbuild bundling of functions/*.ts into dist/functions/<name>/index.mjs (pipeline work).
console.log('build: no Lambda entry points yet');
