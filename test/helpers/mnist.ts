/** The bundled digits as one-hot training and test sets, the data most learning tests use. */
import { getEncoding, loadMnist } from '../../lib/data';
import type { TrainingData } from '../../lib/evaluate';

export function bundledOneHot(): { train: TrainingData; test: TrainingData } {
  const mnist = loadMnist();
  const onehot = getEncoding('onehot');
  return {
    train: {
      x: mnist.train.images,
      y: onehot.encode(mnist.train.labels, 10),
      labels: mnist.train.labels,
    },
    test: {
      x: mnist.test.images,
      y: onehot.encode(mnist.test.labels, 10),
      labels: mnist.test.labels,
    },
  };
}
