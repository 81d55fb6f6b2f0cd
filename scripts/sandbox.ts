// PLACEHOLDER: the local sandbox (API/console work).
console.log('npm start: the local sandbox is not yet available');
