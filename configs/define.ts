import { MirovoyConfigInput } from './schema';

/** Identity helper that gives a config file type checking and editor completion. */
export const defineConfig = (config: MirovoyConfigInput): MirovoyConfigInput => config;
