/** Azurite in memory on free ports, for one test file. */
export { startAzurite, type Azurite } from "../../local/azurite.js";
