# Creates the cluster from a Windows build agent.
$ErrorActionPreference = 'Stop'
$resourceGroup = 'myResourceGroup'

az aks create `
  --resource-group $resourceGroup `
  --name myAKSCluster `
  --node-count 3 `
  --network-plugin azure `
  --network-dataplane cilium `
  --network-policy cilium `
  --generate-ssh-keys

az aks update `
  --resource-group $resourceGroup `
  --name myAKSClusterOld `
  --auto-upgrade-channel none
