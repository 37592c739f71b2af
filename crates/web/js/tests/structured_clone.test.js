// placeholder
runTests("structured_clone");
