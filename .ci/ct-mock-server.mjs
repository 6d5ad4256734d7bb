// Serves commercetools-mock (the npm package @labdigital/commercetools-mock)
// on PORT, for the SDK's test against it (`CT_MOCK_URL`).
import { CommercetoolsMock } from '@labdigital/commercetools-mock';

const port = Number(process.env.PORT || 8989);
const mock = new CommercetoolsMock({
  enableAuthentication: true,
  validateCredentials: false,
  silent: true,
});
await mock.runServer(port);
console.log(`commercetools-mock listening on ${port}`);
