/**
 * Image bytes to model input: {@link ai.lcl4j.data.image.ImageDecoder} (PIL-like RGB,
 * pixel guard) and {@link ai.lcl4j.data.image.ImageTransform} (OpenCLIP eval/train
 * preprocessing; its bicubic resize matches Pillow's byte for byte).
 */
package ai.lcl4j.data.image;
