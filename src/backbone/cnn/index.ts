/** CNN backbones: MobileNetV2 (ImageNet, folded BatchNorm) and MICRA-Net (trained from scratch). */
export * from './mobilenetv2-layout.js';
export * from './mobilenetv2-graph.js';
export * from './mobilenetv2-model.js';
export * from './load-mobilenetv2.js';
export * from './session-cache.js';
export * from './micranet-config.js';
export * from './micranet-graph.js';
export * from './micranet-trainer.js';
export * from './micranet-model.js';
export * from './mobilenetv2-explainable.js';
