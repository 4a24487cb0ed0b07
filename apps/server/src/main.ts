import { createApp } from './app';
import { loadConfig } from './config';

const config = loadConfig();
const app = createApp({ config });
app.http.listen(config.port, config.host, () => {
  const address = app.http.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  console.log(`Exactly-Once Lab on http://${config.host}:${port} (data in ${config.dataDir})`);
});

const shutdown = () => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
