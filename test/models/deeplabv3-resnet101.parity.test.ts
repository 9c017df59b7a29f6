// DeepLabV3-ResNet101 (aux) against torchvision 0.14.1: logits at OS 8/16 in eval and train; gradients at
// OS 16 only to keep the suite quick (the resnet50 file checks gradients at both strides).
import { deeplabParitySuite } from './deeplab-parity.js';

deeplabParitySuite('resnet101', [16]);
