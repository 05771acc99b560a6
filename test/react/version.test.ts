import { version } from 'react';
import { version as domVersion } from 'react-dom';
import { expect, it } from 'vitest';

// The React 18 run (npm run test:react18) sets EXPECT_REACT_MAJOR=18 and aliases React 18.
it(`runs on React ${process.env.EXPECT_REACT_MAJOR ?? '19'}`, () => {
  const major = process.env.EXPECT_REACT_MAJOR ?? '19';
  expect(version.split('.')[0]).toBe(major);
  expect(domVersion.split('.')[0]).toBe(major);
});
