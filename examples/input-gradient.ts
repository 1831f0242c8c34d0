// ∂Cost/∂x: the gradient with respect to the input (a saliency map), not the weights.
import { manualSeed, randn, tensor, nn, F, Tensor } from "backstep";

manualSeed(5);

const classifier = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
const x: Tensor = randn([1, 4], { requiresGrad: true });
const logits = classifier.forward(x);
const cost = F.crossEntropy(logits, tensor([2]));
cost.backward();

// Which input features would change the cost most?
console.log("∂Cost/∂x =", x.grad?.toArray());
