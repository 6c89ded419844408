import { readStackConfig } from "./stacks/config";
import { composeStack } from "./stacks";

// The stack's outputs are what this function returns.
export = async () => composeStack(readStackConfig());
