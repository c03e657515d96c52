/** Global teardown of the e2e project: stops the shared rehearsals still running (`shared-rehearsals.js`). */
module.exports = async () => {
  await require('./shared-rehearsals').stopAll();
};
