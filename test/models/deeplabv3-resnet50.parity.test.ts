// DeepLabV3-ResNet50 (aux) against torchvision 0.14.1: logits at OS 8/16 in eval and train, gradients.
import { deeplabParitySuite } from './deeplab-parity.js';

deeplabParitySuite('resnet50');
