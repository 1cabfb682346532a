// scan: --as-of 2026-12-01
param location string = resourceGroup().location
param windowsSku string

resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks-prod'
  location: location
  properties: {
    kubernetesVersion: '1.33'
    dnsPrefix: 'aks-prod'
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkPolicy: 'cilium'
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        osSKU: 'AzureLinux'
      }
      {
        name: 'win25'
        mode: 'User'
        count: 3
        osType: 'Windows'
        osSKU: 'Windows2025'
      }
      {
        // No osSKU: the default depends on the version and is not judged.
        name: 'win'
        mode: 'User'
        count: 3
        osType: 'Windows'
      }
      {
        // A parameter: not judged.
        name: 'winp'
        mode: 'User'
        count: 3
        osType: 'Windows'
        osSKU: windowsSku
      }
    ]
  }
}
