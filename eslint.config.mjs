// ESLint: typescript-eslint's recommended set, plus the two type-aware rules that catch a
// promise nobody waits for or one handed where a plain function is expected.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", "app/dist/", "test-artifacts/", "coverage/", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            // A leading underscore marks a value left out on purpose (`{ total: _, ...rest }`).
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
            // `import program = require("../index")` is how TypeScript imports a module that uses `export =`
            // (the Pulumi entry point does, so that its function is the module).
            "@typescript-eslint/no-require-imports": ["error", { allow: ["/index$"] }],
        },
    },
    {
        // These read the plan's inputs and the engine's wire values: arbitrary JSON whose shape each line
        // knows by path; typing them `any` there is the honest type, and the tests fail on a wrong path.
        files: [
            "tests/**",
            "app/test/**",
            "policy/rules.ts",
            "tools/cost.ts",
            "tools/capacity.ts",
            "tools/mock-runtime.ts",
            "tools/failover.ts",
            "tools/restore-drill.ts",
        ],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
);
